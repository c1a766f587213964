"""One story, one record, through the real flow: a story on two portals is one cluster with one
alert; an edited article is a new revision whose new facts alone alert; an older database upgrades."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.helpers import query, run_cycle, write_sources

REPORT = ("<p>Theo báo cáo của UBND xã An Bình, trong quý I/2026 bộ phận một cửa tiếp nhận 1.250 hồ sơ thủ tục "
          "hành chính, trong đó đúng hạn chiếm 97,5%, còn 48 hồ sơ giải quyết trễ hạn, chủ yếu ở lĩnh vực đất "
          "đai.</p><p>Nguyên nhân trễ hạn do hồ sơ phức tạp, phải xác minh nguồn gốc đất. Lãnh đạo xã đã có văn bản "
          "xin lỗi người dân theo quy định và chỉ đạo giải quyết dứt điểm trong tháng 4.</p>{extra}")
EDIT = "<p>Đến ngày 15/4/2026, cấp huyện còn 9 hồ sơ trễ hạn.</p>"


def _page(title: str, body: str, wrapper: str) -> str:
    return (f"<html><body><div class='menu'>{wrapper}</div><div id='news-bodyhtml'><h1 class='title'>{title}</h1>"
            f"{body}</div><div class='footer'>Lượt xem 1.024 – {wrapper}</div></body></html>")


def _feed(url: str, title: str) -> str:
    return (f"<rss version='2.0'><channel><title>Tin</title><item><title>{title}</title><link>{url}</link>"
            "</item></channel></rss>")


def _commune_and_district(tmp_path: Path, httpserver: HTTPServer,
                          commune: Callable[[Request], Response]) -> Path:
    """Two portals on loopback: the commune's article (served by `commune`) and the district's
    repost of the 48-late-dossiers report; returns the sources file."""
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/xa/rss").respond_with_data(_feed(httpserver.url_for("/xa/bai-1"), "48 hồ sơ"))
    httpserver.expect_request("/xa/bai-1").respond_with_handler(commune)
    httpserver.expect_request("/huyen/rss").respond_with_data(_feed(httpserver.url_for("/huyen/tin-42"), "Tin xã"))
    httpserver.expect_request("/huyen/tin-42").respond_with_data(
        _page("AN BÌNH CÒN 48 HỒ SƠ TRỄ HẠN", REPORT.format(extra=""), "Cổng huyện – Tin từ cơ sở"),
        content_type="text/html")
    sources = write_sources(tmp_path / "s.yaml", [
        {"id": "xa", "name": "Xã An Bình", "kind": "rss", "url": httpserver.url_for("/xa/rss")},
        {"id": "huyen", "name": "Huyện", "kind": "rss", "url": httpserver.url_for("/huyen/rss")}])
    return sources


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_a_story_on_two_portals_is_one_cluster_and_an_edit_alerts_only_its_new_fact(
        tmp_path: Path, db_path: Path, httpserver: HTTPServer) -> None:
    text = {"a": REPORT.format(extra="")}

    def original(request: Request) -> Response:
        return Response(_page("Xã An Bình: 48 hồ sơ trễ hạn", text["a"], "Cổng xã An Bình"), content_type="text/html")

    sources = _commune_and_district(tmp_path, httpserver, original)

    first = run_cycle(sources, db_path)
    assert (first.articles_new, first.stories_new, first.story_copies) == (2, 1, 1)
    ((articles, n_sources, urls),) = query(db_path, "select articles, sources, urls from v_story_clusters")
    assert (articles, n_sources, len(urls)) == (2, 2, 2)
    backlog_alerts = "select title from alerts where rule = 'backlog_threshold' order by created_at"
    assert len(query(db_path, backlog_alerts)) == 1  # the figure once, not once per portal
    assert query(db_path, "select count(*) from v_backlog") == [(1,)]

    text["a"] = REPORT.format(extra=EDIT)  # the commune adds a paragraph to its article
    second = run_cycle(sources, db_path)
    assert (second.articles_new, second.articles_revised) == (0, 1)
    assert query(db_path, "select revision from articles where url like '%/xa/bai-1'") == [(2,)]
    assert query(db_path, "select revision, body not like '%9 hồ sơ%' from article_revisions") == [(1, True)]
    titles = [t for (t,) in query(db_path, backlog_alerts)]
    assert len(titles) == 2 and "9 (huyện)" in titles[1]  # only the new figure alerts
    assert run_cycle(sources, db_path).articles_revised == 0  # read again, unchanged


def test_a_database_made_by_an_older_version_upgrades_in_place(db_path: Path) -> None:
    from dedup import fingerprint
    from storage.connection import connect
    from storage.migrations import available, migrate
    from storage.repository import Repository

    body = "Xã An Bình còn 48 hồ sơ trễ hạn trong quý I/2026, chủ yếu ở lĩnh vực đất đai và xây dựng."
    con = connect(db_path)
    migrate(con, up_to=4)  # the schema before source pauses, stories and revisions
    con.execute("INSERT INTO sources VALUES ('xa', 'Xã', 'rss', 'https://xa.gov.vn/rss', NULL, NULL, NULL, true, now())")
    con.execute("INSERT INTO articles VALUES ('a1', 'https://xa.gov.vn/a', 'xa', 'Tin', DATE '2026-04-01', ?, 'h1', "
                "true, 'backlog', 'An Bình', NULL, NULL, 'nukeviet', 'r0', now())", [body])
    con.execute("INSERT INTO facts VALUES ('a1', 'backlog:48', 'backlog', 48, '48 hồ sơ trễ hạn', 16, 31, '{}')")
    con.close()

    with Repository(db_path) as repo:  # opening migrates
        versions = [v for (v,) in repo.con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
        assert versions == [v for v, _, _ in available()] == list(range(1, len(available()) + 1))  # all, in order
        waiting = repo.articles_without_bands()
        assert [i for i, _ in waiting] == ["a1"]
        repo.store_bands({i: fingerprint(b).bands for i, b in waiting})
        assert repo.articles_without_bands() == []
        assert "a1" in {a for ids in repo.band_matches(fingerprint(body).bands).values() for a in ids}
    assert query(db_path, "select articles, urls from v_story_clusters") == [(1, ["https://xa.gov.vn/a"])]
    assert query(db_path, "select count, locality from v_backlog") == [(48, "An Bình")]
    assert query(db_path, "select revision, disabled_reason from v_articles, v_source_health") == [(1, None)]


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_a_stub_edited_into_a_copy_of_another_story_joins_that_story(
        tmp_path: Path, db_path: Path, httpserver: HTTPServer) -> None:
    stub = ("<p>Xã An Bình: tin đang được cập nhật, nội dung chi tiết của bài viết sẽ được đăng tải trong thời "
            "gian tới trên cổng thông tin điện tử của xã.</p>")
    page = {"title": "Xã An Bình: kết quả cải cách hành chính quý I", "body": stub}

    def commune(request: Request) -> Response:
        return Response(_page(page["title"], page["body"], "Cổng xã An Bình"), content_type="text/html")

    sources = _commune_and_district(tmp_path, httpserver, commune)

    first = run_cycle(sources, db_path)
    assert (first.articles_new, first.stories_new) == (2, 2)
    # the commune fills in its stub: now a copy of the district's story
    page.update(title="Xã An Bình: 48 hồ sơ trễ hạn", body=REPORT.format(extra=""))
    second = run_cycle(sources, db_path)
    assert second.articles_revised == 1
    assert query(db_path, "select articles, sources from v_story_clusters") == [(2, 2)]
    assert query(db_path, "select count(*) from story_clusters") == [(1,)]
    backlog_alerts = "select count(*) from alerts where rule = 'backlog_threshold'"
    assert query(db_path, backlog_alerts) == [(1,)]  # the figure was alerted with the district's story
