"""Ingest speed (articles/s through Repository.store_batch) and story lookup cost per new article
with 1,000,000 articles stored, 50,000 of them inside the near-copy window (dedup.STORY_WINDOW_DAYS:
about 550 articles a day for 90 days). Usage: python -m benchmarks.storage_scale [--stored N]"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from cchc_monitor.models import Analysis, ArticleRecord, Fact
from dedup import fingerprint
from dedup.clusters import assign, from_bodies
from storage.repository import Repository

# new articles per cycle: a lone one (a backfill), quiet days, a day of the modelled volume (the
# window's 50,000 articles over 90 days is about 550 a day), and a catch-up after two days
CYCLE_SIZES = (1, 10, 30, 100, 550, 1000)

WORDS = ("cải cách hành chính thủ tục hồ sơ trễ hạn một cửa dịch vụ công trực tuyến chuyển đổi số người dân "
         "doanh nghiệp xã phường huyện tỉnh kế hoạch năm quý báo cáo kết quả đánh giá chỉ số hài lòng").split()


def _text(rng: random.Random, n: int = 120) -> str:
    return " ".join(rng.choices(WORDS, k=n)) + f" {rng.randint(1, 10**9)}"


def _record(i: int, body: str, bands: tuple[int, ...]) -> ArticleRecord:
    fact = Fact("backlog", "12 hồ sơ trễ hạn", 0, 15, 12.0, {"level": "xã"})
    an = Analysis(True, "backlog", None, "An Bình", "Đồng Tháp", (fact,))
    return ArticleRecord(f"{i:016x}", f"https://x{i % 500}.gov.vn/tin/{i}", "src", "Tin", None, body,
                         f"{i:064x}", "nukeviet", an, f"{i:016x}", bands)


def ingest(db: Path, first: int, count: int, batch: int, rng: random.Random, with_bands: bool) -> float:
    """Articles per second stored by Repository.store_batch (each with a fact and a story row, and
    20 band keys when `with_bands`), in batches; the records are made before the clock starts."""
    bodies = [_text(rng) for _ in range(1000)]
    elapsed = 0.0
    with Repository(db) as repo:
        for start in range(first, first + count, batch):
            records = []
            for i in range(start, min(start + batch, first + count)):
                # every 1000th window article has its own text and real band keys (the lookups copy
                # those); the rest reuse 1,000 texts with random keys, so they are never candidates
                real = with_bands and i % 1000 == 0
                body = _text(rng) if real else f"{bodies[i % 1000]} {i}"
                bands = fingerprint(body).bands if real else tuple(rng.getrandbits(63) for _ in range(20)) \
                    if with_bands else ()
                records.append(_record(i, body, bands))
            started = time.perf_counter()
            repo.store_batch(f"r{start}", [], records, [])
            elapsed += time.perf_counter() - started
    return count / elapsed


def lookup(db: Path, batch_sizes: tuple[int, ...], rng: random.Random) -> dict[int, tuple[float, str]]:
    """Milliseconds per cycle for finding the stories of `size` new articles as the cycle does
    (exact copies by hash, fingerprint, band lookup, candidate bodies, the copy test); one new
    article in ten is a near copy of a stored one."""
    out = {}
    with Repository(db) as repo:
        copies = [body for (body,) in repo.con.execute(
            "SELECT a.body FROM articles a JOIN article_bands b ON b.article_id = a.id "
            "WHERE regexp_matches(a.id, '^[0-9a-f]+$') GROUP BY a.id, a.body "
            "HAVING (('0x' || a.id)::UBIGINT % 1000) = 0").fetchall()]
        for size in batch_sizes:
            items = [(f"new{size}-{k}", f"Tin: {rng.choice(copies)}" if k % 10 == 0 else _text(rng), f"n{size}-{k}")
                     for k in range(size)]
            rounds = max(3, 300 // size)
            timings = []
            for _ in range(rounds):
                started = time.perf_counter()
                placed = assign(items, repo.known_content(h for _, _, h in items), repo.band_matches,
                                from_bodies(repo.article_bodies))
                timings.append((time.perf_counter() - started) * 1000)
            found = sum(p.joined for p in placed[::10])  # the copies (a random text may match another by chance)
            out[size] = (statistics.median(timings), f"{found}/{len(range(0, size, 10))} copies placed in their story")
    return out


def fixed_and_marginal(cycles: dict[int, float]) -> tuple[float, float]:
    """(fixed ms per cycle, ms per further new article): the least-squares slope over the cycles of
    100 articles or more, and what a lone article's cycle costs beyond it (the queries every cycle
    makes once)."""
    large = {n: t for n, t in cycles.items() if n >= 100}
    mean_n, mean_t = statistics.fmean(large), statistics.fmean(large.values())
    slope = sum((n - mean_n) * (t - mean_t) for n, t in large.items()) / sum((n - mean_n) ** 2 for n in large)
    smallest = min(cycles)
    return cycles[smallest] - slope * smallest, slope


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--window", type=int, default=50_000, help="articles inside the near-copy window")
    parser.add_argument("--batch", type=int, default=50_000)
    parser.add_argument("--keep", type=Path, help="build the database here (or reuse it if it exists: lookups only)")
    args = parser.parse_args()
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as folder:
        db = args.keep or Path(folder) / "bench.duckdb"
        if not db.exists():
            _build(db, args, rng)
        fp_ms = min(_time_fingerprint(rng) for _ in range(3))
        print(f"fingerprint (MinHash, 120-word body): {fp_ms:.3f} ms/article")
        cycles = lookup(db, CYCLE_SIZES, rng)
        for size, (ms, found) in cycles.items():
            print(f"story lookup with {args.stored:,} stored, {size:>4} new articles per cycle: "
                  f"{ms / size:.3f} ms/article, {ms:.1f} ms/cycle ({found})")
        fixed, marginal = fixed_and_marginal({size: ms for size, (ms, _) in cycles.items()})
        print(f"story lookup cost ≈ {fixed:.1f} ms once per cycle (its queries) + {marginal:.3f} ms per new article")
        print(f"database file: {db.stat().st_size / 1e6:,.0f} MB")


def _build(db: Path, args: argparse.Namespace, rng: random.Random) -> None:
    archive = args.stored - args.window
    rate = ingest(db, 0, archive, args.batch, rng, with_bands=False)
    print(f"ingest: {archive:,} archive articles (older than the window: no band keys) in batches of "
          f"{args.batch:,}: {rate:,.0f} articles/s")
    rate = ingest(db, archive, args.window, args.batch, rng, with_bands=True)
    print(f"ingest: {args.window:,} window articles (20 band keys each) on top: {rate:,.0f} articles/s")


def _time_fingerprint(rng: random.Random) -> float:
    texts = [_text(rng) for _ in range(200)]
    started = time.perf_counter()
    for t in texts:
        fingerprint(t)
    return (time.perf_counter() - started) * 1000 / len(texts)


if __name__ == "__main__":
    main()
