"""Body extraction quality and speed: our extractor against plain trafilatura, in the same run.

1. The public article-extraction benchmark (../shared/eval/extraction-benchmark, 181 pages with
   hand-made bodies, mostly English): F1 of 4-gram token shingles as its README describes
   (re-implemented here), and pages per second, for our generic path and for trafilatura.
2. Our portal-profile pages (tests/pages): body F1 against the bodies we wrote, and time per page
   of the profile path against trafilatura on the same pages.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import trafilatura

from cchc_monitor.errors import ParseError
from scrapers.article import extract_article

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "eval" / "extraction-benchmark"
PAGES = ROOT / "tests" / "pages"
TOKEN_RE = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """Multiset of n-grams of word tokens."""
    tokens = TOKEN_RE.findall(text)
    return Counter(tuple(tokens[i : i + n]) for i in range(max(len(tokens) - n + 1, 1 if tokens else 0)))


def f1(pairs: list[tuple[str, str]]) -> tuple[float, float, float]:
    """(precision, recall, F1) over documents, each document's counts normalised to weigh the same."""
    tp = fp = fn = 0.0
    for truth, predicted in pairs:
        want, got = shingles(truth), shingles(predicted)
        hit = sum((want & got).values())
        miss, extra = sum(want.values()) - hit, sum(got.values()) - hit
        total = hit + miss + extra or 1
        tp, fp, fn = tp + hit / total, fp + extra / total, fn + miss / total
    precision, recall = tp / (tp + fp or 1), tp / (tp + fn or 1)
    return precision, recall, 2 * precision * recall / (precision + recall or 1)


def ours(html: str, url: str) -> str:
    """Our extractor's body, empty when it finds none."""
    try:
        return extract_article(html, url).text
    except ParseError:
        return ""


def plain_trafilatura(html: str, url: str) -> str:
    """trafilatura 2.3.1 with its defaults."""
    return trafilatura.extract(html, url=url or None) or ""


def run_on(pages: list[tuple[str, str, str]], extractor: Callable[[str, str], str],
           rounds: int = 1) -> tuple[tuple[float, float, float], float]:
    """Scores and seconds per page of one extractor on (html, url, truth) pages."""
    start = time.process_time()
    outputs = []
    for _ in range(rounds):
        outputs = [extractor(html, url) for html, url, _ in pages]
    per_page = (time.process_time() - start) / (rounds * len(pages))
    return f1([(truth, out) for (_, _, truth), out in zip(pages, outputs, strict=True)]), per_page


def public_benchmark() -> list[tuple[str, str, str]]:
    truth = json.loads((BENCH / "ground-truth.json").read_text(encoding="utf-8"))
    return [((BENCH / "html" / f"{key}.html").read_text(encoding="utf-8", errors="replace"), item["url"],
             item["articleBody"]) for key, item in sorted(truth.items())]


def profile_pages() -> list[tuple[str, str, str]]:
    bodies = json.loads((PAGES / "expected-bodies.json").read_text(encoding="utf-8"))
    return [((PAGES / name).read_text(encoding="utf-8"), f"https://portal.gov.vn/{name}", body)
            for name, body in sorted(bodies.items())]


def report(title: str, pages: list[tuple[str, str, str]], rounds: int) -> None:
    print(f"{title} ({len(pages)} pages)")
    for name, extractor in (("ours", ours), ("trafilatura", plain_trafilatura)):
        (p, r, score), seconds = run_on(pages, extractor, rounds)
        print(f"  {name:12s} F1 {score:.3f} (P {p:.3f} R {r:.3f})  {seconds * 1000:7.2f} ms/page  "
              f"{1 / seconds:7.1f} pages/s")


if __name__ == "__main__":
    if BENCH.exists():
        report("public extraction benchmark", public_benchmark(), rounds=1)
    else:
        print(f"skipped: {BENCH} is not present")
    report("our portal-profile pages", profile_pages(), rounds=50)
