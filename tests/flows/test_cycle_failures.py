"""Bad input during a cycle: each failure is logged with a reason, the other sources go on."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from cchc_monitor.demo.portal import DemoPortal
from tests.helpers import query, run_cycle, write_sources

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]

MENU_ONLY_PAGE = """<html><head><meta charset="utf-8"><title>Trang chủ</title></head><body>
<nav><ul><li><a href="/">Trang chủ</a></li><li><a href="/gioi-thieu">Giới thiệu</a></li></ul></nav>
<div class="counter">Thống kê truy cập: 1.234</div></body></html>"""
LISTING_TO_EMPTY = """<html><body><div class="news-list">
<a class="title" href="/tin-tuc/trang-trong">Bài viết không có nội dung</a></div></body></html>"""


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_each_broken_source_is_recorded_and_the_rest_go_on(
    tmp_path: Path, db_path: Path, portal: DemoPortal, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/rss-500").respond_with_data("lỗi máy chủ", status=500)
    httpserver.expect_request("/not-a-feed.xml").respond_with_data(
        "<html><body>Trang đang bảo trì</body></html>", content_type="text/html")
    httpserver.expect_request("/tin-tuc").respond_with_data(LISTING_TO_EMPTY, content_type="text/html")
    httpserver.expect_request("/tin-tuc/trang-trong").respond_with_data(MENU_ONLY_PAGE, content_type="text/html")
    dead = f"http://127.0.0.1:{_closed_port()}/rss"
    sources = write_sources(tmp_path / "sources.yaml", [
        {"id": "unreachable", "name": "Không truy cập được", "kind": "rss", "url": dead},
        {"id": "error-500", "name": "Lỗi 500", "kind": "rss", "url": httpserver.url_for("/rss-500")},
        {"id": "malformed", "name": "Không phải RSS", "kind": "rss", "url": httpserver.url_for("/not-a-feed.xml")},
        {"id": "empty-body", "name": "Trang rỗng", "kind": "listing", "url": httpserver.url_for("/tin-tuc")},
        {"id": "demo", "name": "Demo", "province": "Đồng Tháp", "kind": "rss", "url": portal.feed_url},
    ])

    summary = run_cycle(sources, db_path, [], fetch_retries=2)

    assert summary.sources_tried == 5
    assert summary.sources_failed == 3
    assert {f.source: f.reason for f in summary.failures} == {
        "unreachable": "fetch.connect_error", "error-500": "fetch.http_500", "malformed": "parse.not_a_feed"}
    assert summary.articles_failed == 1  # the page with no body
    assert summary.articles_new == 3  # the healthy source still delivered its three items
    failed = dict(query(db_path, "select source_id, reason from fetch_log where not ok"))
    assert failed == {"unreachable": "fetch.connect_error", "error-500": "fetch.http_500",
                      "malformed": "parse.not_a_feed", "empty-body": "parse.no_body"}
    details = dict(query(db_path, "select source_id, detail from fetch_log where not ok"))
    assert dead in details["unreachable"]  # the error names the URL
    # a 500 is transient: fetched once plus two retries, with no waiting in between
    assert sum(1 for req, _ in httpserver.log if req.path == "/rss-500") == 3
    assert sum(1 for req, _ in httpserver.log if req.path == "/not-a-feed.xml") == 1


def test_a_bad_sources_file_stops_the_cycle_before_anything_is_written(tmp_path: Path, db_path: Path) -> None:
    from cchc_monitor.errors import ConfigError

    bad = tmp_path / "sources.yaml"
    bad.write_text("sources:\n  - id: x\n    name: X\n    kind: atom\n    url: http://127.0.0.1/\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"sources.yaml: entry 1 \(id 'x'\): kind"):
        run_cycle(bad, db_path)
    assert not db_path.exists()
