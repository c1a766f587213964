"""Story placement against a real DuckDB file: new stories, copies, revisions, re-reads, rejoining (no Prefect).

The band-key backfill of an upgraded database is covered by tests/flows/test_stories.py (a real older file).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from analysis import analyze
from cchc_monitor.keys import article_id, content_hash
from cchc_monitor.models import ArticleRecord, SourceSpec
from dedup import fingerprint
from dedup.placement import RecentPrints, place
from storage.repository import Repository
from tests.dedup.test_dedup import STORY

OTHER = ("Chiều 20/3, UBND phường Mỹ Phú họp rà soát hồ sơ trễ hạn của quý I: toàn phường còn 48 hồ sơ giải quyết "
         "quá hạn, tập trung ở lĩnh vực đất đai và xây dựng. Chủ tịch UBND phường yêu cầu xử lý dứt điểm trước 30/4.")
SOURCE = SourceSpec("src", "Nguồn", "rss", "https://x.gov.vn/rss")


def _record(url: str, body: str) -> ArticleRecord:
    return ArticleRecord(article_id(url), url, "src", None, date(2026, 3, 12), body, content_hash(body),
                         "test", analyze(body, url))


def _store(repo: Repository, run: str, records: list[ArticleRecord]) -> None:
    placed = place(repo, records)
    repo.begin_run(run, [SOURCE])
    repo.store_batch(run, [], placed.fresh, [], revisions=placed.revised)


def test_new_articles_get_stories_and_copies_join_them(db_path: Path) -> None:
    with Repository(db_path) as repo:
        first = place(repo, [_record("https://a.gov.vn/1", STORY), _record("https://a.gov.vn/2", OTHER),
                             _record("https://b.gov.vn/1", "Trang chủ | Tin tức\n" + STORY)])
        assert (first.stories_new, first.story_copies) == (2, 1)  # a copy within the same cycle
        assert first.fresh[2].cluster_id == first.fresh[0].id and first.fresh[1].cluster_id == first.fresh[1].id
        repo.begin_run("r1", [SOURCE])
        repo.store_batch("r1", [], first.fresh, [])
        later = place(repo, [_record("https://c.gov.vn/1", STORY + "\nChia sẻ | Lượt xem: 12")])
        assert later.story_copies == 1 and later.fresh[0].cluster_id == first.fresh[0].id  # a stored story


def test_a_re_read_is_dropped_and_an_edit_is_a_revision_of_its_story(db_path: Path) -> None:
    with Repository(db_path) as repo:
        _store(repo, "r1", [_record("https://a.gov.vn/1", STORY)])
        same = place(repo, [_record("https://a.gov.vn/1", STORY)])
        assert (same.fresh, same.revised, same.unchanged) == ([], [], 1)
        edited = place(repo, [_record("https://a.gov.vn/1", STORY + " Đến nay đã giải quyết xong 5 hồ sơ.")])
        assert edited.fresh == [] and [r.cluster_id for r in edited.revised] == [article_id("https://a.gov.vn/1")]
        assert edited.revised[0].bands  # its band keys are recomputed for the new text


def test_a_lone_stub_edited_into_a_copy_of_another_story_joins_it(db_path: Path) -> None:
    with Repository(db_path) as repo:
        _store(repo, "r1", [_record("https://a.gov.vn/1", STORY), _record("https://b.gov.vn/stub", "Đang cập nhật.")])
        moved = place(repo, [_record("https://b.gov.vn/stub", "Trang chủ\n" + STORY)])
        assert [r.cluster_id for r in moved.revised] == [article_id("https://a.gov.vn/1")]



class _CountingBodies:
    """The repository, counting the bodies placement reads."""

    def __init__(self, repo: Repository) -> None:
        self.repo, self.bodies_read = repo, 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.repo, name)

    def article_bodies(self, ids: list[str]) -> dict[str, tuple[str, str]]:
        found = self.repo.article_bodies(ids)
        self.bodies_read += len(found)
        return found


def test_a_later_batchs_copy_of_an_earlier_batchs_article_is_confirmed_without_reading_its_body(db_path: Path) -> None:
    copy = "Trang chủ | Tin tức\n" + STORY
    for recent, bodies_read in ((RecentPrints(), 0), (None, 1)):
        with Repository(db_path) as repo:
            store = _CountingBodies(repo)
            first = place(store, [_record("https://a.gov.vn/1", STORY)], recent)  # type: ignore[arg-type]
            repo.begin_run("r1", [SOURCE])
            repo.store_batch("r1", [], first.fresh, [])
            later = place(store, [_record("https://b.gov.vn/1", copy)], recent)  # type: ignore[arg-type]
            assert later.fresh[0].cluster_id == first.fresh[0].id and store.bodies_read == bodies_read
        db_path.unlink()


def test_recent_prints_keep_the_latest_placed_up_to_their_limit() -> None:
    recent = RecentPrints(limit=2)
    for n in range(3):
        recent.add(f"a{n}", fingerprint(STORY))
    assert ["a0" in recent, "a1" in recent, "a2" in recent] == [False, True, True]


def test_a_copy_of_an_articles_revised_text_joins_its_story_in_a_later_batch(db_path: Path) -> None:
    recent = RecentPrints()
    with Repository(db_path) as repo:
        _store_with(repo, "r1", [_record("https://a.gov.vn/1", STORY)], recent)
        _store_with(repo, "r2", [_record("https://a.gov.vn/1", OTHER)], recent)  # the page now says OTHER
        later = place(repo, [_record("https://b.gov.vn/9", "Tin tức\n" + OTHER)], recent)
        assert later.story_copies == 1 and later.fresh[0].cluster_id == article_id("https://a.gov.vn/1")


def _store_with(repo: Repository, run: str, records: list[ArticleRecord], recent: RecentPrints) -> None:
    placed = place(repo, records, recent)
    repo.begin_run(run, [SOURCE])
    repo.store_batch(run, [], placed.fresh, [], revisions=placed.revised)
