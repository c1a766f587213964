"""What the legacy-encoding check costs on a 70 KB portal page, next to decoding it and parsing it (one core)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

from scrapers.article import extract_article
from scrapers.decode import decode_body, looks_legacy_vietnamese

PAGES = Path(__file__).resolve().parents[1] / "tests" / "pages"
PAGE_BYTES = 70_000


def page() -> str:
    """A ~70 KB Liferay-shaped page: our test page with its body repeated."""
    html = (PAGES / "liferay.html").read_text(encoding="utf-8")
    head, _, tail = html.partition("</body>")
    filler = ("<div class='related'><a href='/tin/1'>Ủy ban nhân dân tỉnh công bố kết quả cải cách hành chính"
              "</a></div>\n")
    while len(head.encode()) < PAGE_BYTES:
        head += filler
    return head + "</body>" + tail


def median_ms(work: Callable[[], object], rounds: int = 200) -> float:
    """Median milliseconds of `work` over `rounds` runs, after a warm-up."""
    work()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


if __name__ == "__main__":
    html = page()
    body = html.encode()
    check = median_ms(lambda: looks_legacy_vietnamese(html))
    decode = median_ms(lambda: decode_body(body, "utf-8", "http://x.vn/a"))
    parse = median_ms(lambda: extract_article(html, "http://x.vn/a"), rounds=50)
    print(f"legacy-encoding check on a {len(body) // 1000} KB page: {check:.2f} ms; whole decode {decode:.2f} ms; "
          f"extraction {parse:.2f} ms (the check is {100 * check / (decode + parse):.1f} % of decode + extraction)")
