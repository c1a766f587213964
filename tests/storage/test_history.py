"""A figure's earlier reports, indexed: each lookup gives what a walk over every report gives."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from cchc_monitor.keys import article_id, content_hash
from cchc_monitor.models import Analysis, ArticleRecord, Fact, PriorFact, SourceSpec
from storage.outbox import REPORTS_KEPT, Reports
from storage.repository import Repository


def _backlog_rows(rng: random.Random, n: int) -> list[tuple[object, ...]]:
    """(value, published, url, story, report date), newest first as BACKLOG_REPORTS orders them."""
    days = sorted((date(2026, 1, 1) + timedelta(days=rng.randrange(60)) for _ in range(n)), reverse=True)
    return [(float(i), d, f"u{i}", f"s{rng.randrange(5)}", d) for i, d in enumerate(days)]


def test_a_backlog_lookup_skips_to_the_reports_before_its_date_as_a_full_walk_would() -> None:
    rng = random.Random(7)
    for _ in range(200):
        rows = _backlog_rows(rng, rng.randrange(0, 40))
        reports = Reports(rows, 3, day=4)
        before = rng.choice([None, date(2026, 1, 1) + timedelta(days=rng.randrange(-2, 63))])
        story = f"s{rng.randrange(6)}"
        walked = next((r for r in rows if r[3] != story and (before is None or r[4] < before)), None)
        assert reports.latest_before(before, story) == (walked, True)


def test_reports_on_the_day_itself_are_not_earlier() -> None:
    day = date(2026, 3, 2)
    rows = [(5.0, day, "a", "s1", day), (4.0, day - timedelta(days=1), "b", "s2", day - timedelta(days=1))]
    assert Reports(rows, 3, day=4).latest_before(day, "s0")[0] == rows[1]
    assert Reports(rows, 3, day=4).latest_before(None, "s0")[0] == rows[0]
    assert Reports(rows, 3, day=4, complete=False).latest_before(day, "s2") == (None, False)  # not sure: read it whole


def test_a_score_lookup_by_year_keeps_the_newest_first_order() -> None:
    rows = [(90.0, None, "a", None, 2025, "s1"), (80.0, None, "b", None, 2024, "s2"),
            (85.0, None, "c", None, 2025, "s3"), (70.0, None, "d", None, None, "s4")]
    reports = Reports(rows, 5, year=4)
    assert reports.latest_of_year(2025, "s1") == (rows[2], True)
    assert reports.latest_of_year(2023, "s1") == (None, True)
    assert reports.latest_of_year(None, "s1") == (rows[1], True)


PLACES, TIERS, INDEXES = ("An Bình", "Tân Phú"), ("xã", "huyện", None), ("PAR INDEX", "SIPAS")


def _article(i: int, rng: random.Random, kind: str) -> ArticleRecord:
    url = f"https://anbinh.gov.vn/tin/{kind}-{i}"
    place = rng.choice(PLACES)
    if kind == "backlog":
        facts = tuple(Fact("backlog", f"{n} hồ sơ trễ hạn", 0, 9, float(n), {"level": rng.choice(TIERS)})
                      for n in rng.sample(range(1, 500), rng.choice((1, 1, 2))))
    else:
        facts = (Fact("score", "đạt 90 điểm", 0, 9, float(rng.randrange(60, 99)),
                      {"index": rng.choice(INDEXES[:2]), "year": rng.choice((2024, 2025, 2025, 2025, None)),
                       "rank": f"thứ {rng.randrange(1, 34)}"}),)
    published = date(2026, 1, 1) + timedelta(days=rng.randrange(30)) if rng.random() < 0.9 else None
    body = f"{kind} {i}"
    return ArticleRecord(article_id(url), url, "src", body, published, body, content_hash(body), "test",
                         Analysis(True, kind, published, place, "Đồng Tháp", facts), cluster_id=article_id(url))


def test_a_batch_read_of_earlier_reports_answers_as_reading_each_figure_whole(db_path: Path) -> None:
    """More reports per figure than a batch read keeps (REPORTS_KEPT), a story with several, figures with
    none: every lookup after load_history gives what a lookup on a fresh connection (whole figures) gives."""
    rng = random.Random(3)
    stored = [_article(i, rng, kind) for kind in ("backlog", "score") for i in range(8 * REPORTS_KEPT)]
    with Repository(db_path) as repo:
        repo.begin_run("r", [SourceSpec("src", "Cổng An Bình", "rss", "https://anbinh.gov.vn/rss")])
        repo.store_batch("r", [], stored, [])
    stories = [a.id for a in stored] + ["new-story"]
    backlog_asks = [(rng.choice(PLACES + ("Mỹ An",)), rng.choice(TIERS),
                     rng.choice([None, date(2026, 1, 1) + timedelta(days=rng.randrange(-3, 34))]), rng.choice(stories))
                    for _ in range(300)]
    score_asks = [(rng.choice(PLACES + ("Mỹ An",)), rng.choice(INDEXES[:2]), rng.choice((2023, 2024, 2025, None)),
                   rng.choice(stories)) for _ in range(300)]
    cut = 0
    with Repository(db_path) as whole:
        want = ([whole.previous_backlog(*ask) for ask in backlog_asks], [whole.previous_score(*a) for a in score_asks])
    got: tuple[list[PriorFact | None], list[PriorFact | None]] = ([], [])
    for start in range(0, 300, 6):  # batches of a few asks: their earliest dates cut the figures' reports
        asks = backlog_asks[start:start + 6]
        since = min((before for _, _, before, _ in asks if before is not None), default=None)
        with Repository(db_path) as batch:  # as alerts.history_wanted gives them
            batch.load_history({(p, t) for p, t, _, _ in asks}, {(e, i) for e, i, _, _ in score_asks[start:start + 6]},
                               since)
            cut += sum(not r.complete for r in batch._history.values())
            got[0].extend(batch.previous_backlog(*ask) for ask in backlog_asks[start:start + 6])
            got[1].extend(batch.previous_score(*ask) for ask in score_asks[start:start + 6])
    assert got == want and cut > 50
    assert sum(p is not None for p in want[0]) > 100 and sum(p is not None for p in want[1]) > 100  # not vacuous


def test_a_batch_read_keeps_a_bounded_share_of_a_long_history(db_path: Path) -> None:
    rng = random.Random(5)
    stored = [_article(i, rng, "backlog") for i in range(8 * REPORTS_KEPT)]
    with Repository(db_path) as repo:
        repo.begin_run("r", [SourceSpec("src", "Cổng An Bình", "rss", "https://anbinh.gov.vn/rss")])
        repo.store_batch("r", [], stored, [])
        repo.load_history({("An Bình", "xã")}, set(), date(2027, 1, 1))  # after every stored report
        kept = repo._history[("backlog", "An Bình", "xã")]
        assert 0 < len(kept.rows) <= REPORTS_KEPT and not kept.complete


def test_a_story_with_more_reports_than_a_batch_keeps_is_looked_past(db_path: Path) -> None:
    """One article reporting a figure more times than REPORTS_KEPT: a lookup from its own story walks past
    all of them, and when the batch read cut them it reads the figure whole to find the other story's."""
    many = tuple(Fact("score", f"đạt {n} điểm", 0, 9, float(n), {"index": "PAR INDEX", "year": 2025})
                 for n in range(50, 50 + REPORTS_KEPT + 4))
    lots = tuple(Fact("backlog", f"{n} hồ sơ", 0, 9, float(n), {"level": "xã"}) for n in range(1, REPORTS_KEPT + 5))
    day = date(2026, 1, 10)

    def article(name: str, facts: tuple[Fact, ...], published: date) -> ArticleRecord:
        url = f"https://anbinh.gov.vn/{name}"
        return ArticleRecord(article_id(url), url, "src", name, published, name, content_hash(name), "test",
                             Analysis(True, "score", published, "An Bình", "Đồng Tháp", facts), cluster_id=article_id(url))

    older = article("older", (Fact("score", "đạt 40 điểm", 0, 9, 40.0, {"index": "PAR INDEX", "year": 2025}),
                              Fact("backlog", "7 hồ sơ", 0, 9, 7.0, {"level": "xã"})), day - timedelta(days=5))
    busy = article("busy", many + lots, day)
    with Repository(db_path) as repo:
        repo.begin_run("r", [SourceSpec("src", "Cổng An Bình", "rss", "https://anbinh.gov.vn/rss")])
        repo.store_batch("r", [], [older, busy], [])
    with Repository(db_path) as repo:
        repo.load_history({("An Bình", "xã")}, {("An Bình", "PAR INDEX")}, day)
        scores = repo._history[("score", "An Bình", "par index")]
        assert not scores.complete
        assert scores.latest_of_year(2019, busy.id) == (None, True)  # a year without reports needs no second read
        for year in (2025, None):
            found = repo.previous_score("An Bình", "PAR INDEX", year, busy.id)
            assert found is not None and found.value == 40.0
        assert repo.previous_backlog("An Bình", "xã", day + timedelta(days=1), busy.id).value == 7.0  # type: ignore[union-attr]
