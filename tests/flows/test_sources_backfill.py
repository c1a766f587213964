"""Backfill through listing pages, conditional GET across cycles, source health: through the real flow."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.helpers import PAGES, age_reads, query, run_cycle, write_sources

ARTICLE = (PAGES / "nukeviet.html").read_text(encoding="utf-8")


def _listing(links: list[str], next_page: str | None) -> str:
    items = "".join(f'<div class="news-list"><h3><a href="{href}">Tin {href}</a></h3></div>' for href in links)
    pager = f'<div class="pagination"><a href="{next_page}">Trang sau</a></div>' if next_page else ""
    return f"<html><body><div class='viewcat_list'>{items}</div>{pager}</body></html>"


def _portal(httpserver: HTTPServer, pages: int) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    for n in range(1, pages + 1):
        links = [f"/vi/news/cchc/bai-{n}-{k}.html" for k in range(2)]
        following = f"/vi/news/cchc/page-{n + 1}" if n < pages else None
        path = "/vi/news/cchc/" if n == 1 else f"/vi/news/cchc/page-{n}"
        httpserver.expect_request(path).respond_with_data(_listing(links, following), content_type="text/html")
        for link in links:  # each article its own text, so none is a duplicate of another
            httpserver.expect_request(link).respond_with_data(ARTICLE.replace("Công chức", f"Công chức ({link})"),
                                                              content_type="text/html")


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_backfill_walks_back_through_listing_pages(tmp_path: Path, db_path: Path, httpserver: HTTPServer) -> None:
    _portal(httpserver, pages=3)
    sources = write_sources(tmp_path / "s.yaml", [
        {"id": "xa", "name": "Xã Mẫu", "kind": "listing", "url": httpserver.url_for("/vi/news/cchc/")},
        {"id": "other", "name": "Không chạy", "kind": "rss", "url": "http://127.0.0.1:9/rss"}])

    first = run_cycle(sources, db_path, only_sources=["xa"])  # an ordinary run reads page 1 only
    deeper = run_cycle(sources, db_path, only_sources=["xa"], pages=3)

    assert (first.sources_tried, first.articles_new) == (1, 2)
    assert (deeper.articles_new, deeper.articles_duplicate + deeper.articles_unchanged) == (4, 2)
    assert query(db_path, "select count(*) from articles where source_id = 'xa'") == [(6,)]
    assert query(db_path, "select count(*) from fetch_log where source_id = 'other'") == [(0,)]


def _one_item_feed(httpserver: HTTPServer) -> str:
    return ("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>x</title>"
            f"<item><title>Kế hoạch</title><link>{httpserver.url_for('/a.html')}</link></item></channel></rss>")


def _conditional(body: str, etag: str, content_type: str) -> Callable[[Request], Response]:
    """A handler answering 304 to its ETag, else the body with the ETag."""
    def answer(request: Request) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304)
        return Response(body, headers={"ETag": etag, "Content-Type": content_type})

    return answer


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_a_feed_answering_304_is_not_parsed_again(tmp_path: Path, db_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/rss").respond_with_handler(_conditional(_one_item_feed(httpserver), '"v1"',
                                                                        "application/rss+xml"))
    httpserver.expect_request("/a.html").respond_with_data(ARTICLE, content_type="text/html")
    sources = write_sources(tmp_path / "s.yaml", [{"id": "f", "name": "F", "kind": "rss", "url": httpserver.url_for("/rss")}])

    run_cycle(sources, db_path)
    second = run_cycle(sources, db_path)

    assert second.sources_failed == 0 and second.articles_duplicate == 0  # nothing re-read
    statuses = [s for (s,) in query(db_path, "select status from fetch_log where url like '%/rss' order by id")]
    assert statuses == [200, 304]


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_an_article_answering_304_counts_as_read_until_its_next_revisit(
    tmp_path: Path, db_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/rss").respond_with_data(_one_item_feed(httpserver), content_type="application/rss+xml")
    httpserver.expect_request("/a.html").respond_with_handler(_conditional(ARTICLE, '"a1"', "text/html; charset=utf-8"))
    sources = write_sources(tmp_path / "s.yaml", [{"id": "f", "name": "F", "kind": "rss", "url": httpserver.url_for("/rss")}])

    run_cycle(sources, db_path, revisit_hours=20)
    age_reads(db_path, hours=21)
    second = run_cycle(sources, db_path, revisit_hours=20)  # a day later: asked with its ETag
    third = run_cycle(sources, db_path, revisit_hours=20)  # the 304 was a read: not asked again so soon

    assert (second.articles_not_modified, third.articles_not_modified) == (1, 0)
    statuses = [s for (s,) in query(db_path, "select status from fetch_log where url like '%/a.html' order by id")]
    assert statuses == [200, 304]


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_a_source_failing_three_cycles_in_a_row_is_unhealthy(tmp_path: Path, db_path: Path) -> None:
    sources = write_sources(tmp_path / "s.yaml", [{"id": "dead", "name": "Hỏng", "kind": "rss",
                                                   "url": "http://127.0.0.1:9/rss"}])
    for expected in (False, False, True, True):
        run_cycle(sources, db_path, fetch_retries=0)
        (unhealthy,) = query(db_path, "select unhealthy from v_source_health where source_id = 'dead'")[0]
        assert unhealthy is expected
    notices = query(db_path, "select title from alerts where rule = 'source_unhealthy'")
    assert len(notices) == 1 and "Hỏng (dead)" in notices[0][0]  # once for the streak, not once per cycle
