"""How long the analyzer takes on one 5,000-character article (one core, no I/O)."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from analysis import analyze

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
SETS = ("dev", "dev2")
ARTICLE_CHARS = 5000


def articles() -> list[str]:
    """5,000-character articles made of the dev and dev2 texts (read from ../shared, never copied here)."""
    files = [f for name in SETS for f in sorted((EVAL / name).glob("*.json"))]
    texts = [t for f in files if (t := json.loads(f.read_text(encoding="utf-8")).get("text"))]
    if not texts:
        raise SystemExit(f"no dev texts under {EVAL}")
    out = []
    for i in range(len(texts)):
        body, j = "", i
        while len(body) < ARTICLE_CHARS:
            body += texts[j % len(texts)] + "\n\n"
            j += 1
        out.append(body[:ARTICLE_CHARS])
    return out


def run(rounds: int = 30) -> dict[str, float]:
    """Median, p90 and best milliseconds per article over `rounds` passes of every article."""
    docs = articles()
    for doc in docs:  # warm up compiled patterns
        analyze(doc)
    per_article = []
    for _ in range(rounds):
        for doc in docs:
            start = time.perf_counter()
            analyze(doc)
            per_article.append((time.perf_counter() - start) * 1000)
    per_article.sort()
    return {
        "articles": len(docs) * rounds,
        "median_ms": statistics.median(per_article),
        "p90_ms": per_article[int(len(per_article) * 0.9)],
        "best_ms": per_article[0],
    }


if __name__ == "__main__":
    result = run()
    print(f"analysis of a {ARTICLE_CHARS}-character article: median {result['median_ms']:.2f} ms, "
          f"p90 {result['p90_ms']:.2f} ms, best {result['best_ms']:.2f} ms ({result['articles']} runs)")
