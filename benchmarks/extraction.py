"""Body extraction quality and speed: our extractor against plain trafilatura, in the same run.

1. The public article-extraction benchmark (../shared/eval/extraction-benchmark, 181 pages with
   hand-made bodies, mostly English): F1 of 4-gram token shingles as its README describes
   (re-implemented here), and pages per second, for our generic path and for trafilatura.
2. Our platform pages (tests/pages/platforms and the three family pages in tests/pages), per
   profile: body F1 against the bodies we wrote, pages per second and boilerplate leaks (pages whose
   body holds a boilerplate label line: "Tin liên quan", "Xem thêm: ...", "Lượt xem: 12"), ours
   against trafilatura on the same pages.
3. Our newspaper pages (tests/pages/news, and tests/pages/news-holdout written by a second author
   who had not seen the extractor), which go to our generic path: F1, pages/s and leaks.
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
from scrapers.article import boilerplate_label, extract_article

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "eval" / "extraction-benchmark"
PAGES = ROOT / "tests" / "pages"
TOKEN_RE = re.compile(r"\w+")
Page = tuple[str, str, str]  # html, url, the body we wrote


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


def leaked_lines(text: str) -> list[str]:
    """A body's boilerplate label lines ("Tin liên quan", "Xem thêm: ...", "Lượt xem: 12"): a leak
    (the benchmark and tests/scrapers/test_platforms.py count the same)."""
    return [line for line in text.splitlines()
            if boilerplate_label(line) or boilerplate_label(line.split(":")[0]) and ":" in line[:40]]


def ours(html: str, url: str) -> str:
    """Our extractor's body, empty when it finds none."""
    try:
        return extract_article(html, url).text
    except ParseError:
        return ""


def plain_trafilatura(html: str, url: str) -> str:
    """trafilatura 2.3.1 with its defaults."""
    return trafilatura.extract(html, url=url or None) or ""


def run_on(pages: list[Page], extractor: Callable[[str, str], str],
           rounds: int = 1) -> tuple[tuple[float, float, float], float, int]:
    """Scores, seconds per page and leaking pages of one extractor on (html, url, truth) pages."""
    start = time.process_time()
    outputs = []
    for _ in range(rounds):
        outputs = [extractor(html, url) for html, url, _ in pages]
    per_page = (time.process_time() - start) / (rounds * len(pages))
    scores = f1([(truth, out) for (_, _, truth), out in zip(pages, outputs, strict=True)])
    return scores, per_page, sum(bool(leaked_lines(out)) for out in outputs)


def public_benchmark() -> list[Page]:
    truth = json.loads((BENCH / "ground-truth.json").read_text(encoding="utf-8"))
    return [((BENCH / "html" / f"{key}.html").read_text(encoding="utf-8", errors="replace"), item["url"],
             item["articleBody"]) for key, item in sorted(truth.items())]


def _written(folder: Path) -> dict[str, list[Page]]:
    """Our article pages of one folder, grouped by the platform they are written for."""
    groups: dict[str, list[Page]] = {}
    for name, want in json.loads((folder / "expected.json").read_text(encoding="utf-8")).items():
        if "body" in want:
            html = (folder / name).read_text(encoding="utf-8")
            groups.setdefault(want.get("platform") or "newspaper", []).append((html, want["url"], want["body"]))
    return groups


def platform_pages() -> dict[str, list[Page]]:
    """Our article pages per platform profile, the three CMS-family pages included."""
    groups = _written(PAGES / "platforms")
    bodies = json.loads((PAGES / "expected-bodies.json").read_text(encoding="utf-8"))
    for name, body in sorted(bodies.items()):
        groups.setdefault(name.removesuffix(".html"), []).append(
            ((PAGES / name).read_text(encoding="utf-8"), f"https://portal.gov.vn/{name}", body))
    return groups


def newspaper_pages(folder: str = "news") -> list[Page]:
    return _written(PAGES / folder)["newspaper"]


def report(title: str, pages: list[Page], rounds: int) -> None:
    print(f"{title} ({len(pages)} pages, {rounds} rounds)")
    speeds = {}
    for name, extractor in (("ours", ours), ("trafilatura", plain_trafilatura)):
        (p, r, score), seconds, leaks = run_on(pages, extractor, rounds)
        speeds[name] = 1 / seconds
        print(f"  {name:12s} F1 {score:.3f} (P {p:.3f} R {r:.3f})  {seconds * 1000:7.2f} ms/page  "
              f"{1 / seconds:7.1f} pages/s  leaks {leaks}/{len(pages)}")
    print(f"  speed ratio ours/trafilatura {speeds['ours'] / speeds['trafilatura']:.1f}x")


if __name__ == "__main__":
    if BENCH.exists():
        report("public extraction benchmark", public_benchmark(), rounds=1)
    else:
        print(f"skipped: {BENCH} is not present")
    for platform, pages in sorted(platform_pages().items()):
        report(f"platform pages: {platform}", pages, rounds=20)
    report("newspaper pages (generic path)", newspaper_pages(), rounds=5)
    report("hold-out newspaper pages (generic path, second author)", newspaper_pages("news-holdout"), rounds=5)
