"""A source that breaks: 410 Gone pauses it until enabled, a changed layout and a failure streak
each give one notice per breakage (checklist T14, P12)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner
from werkzeug import Request, Response

from cchc_monitor.cli import app
from cchc_monitor.demo.portal import DemoPortal
from tests.helpers import PAGES, query, run_cycle, write_sources

ARTICLE = (PAGES / "nukeviet.html").read_text(encoding="utf-8")
LISTING = "<html><body><div class='viewcat_list'><h3><a href='/bai-1.html'>Tin 1</a></h3></div></body></html>"
REDESIGNED = "<html><body><div class='grid'><span onclick='go(1)'>Tin 1</span></div></body></html>"


def _alerts(db_path: Path, rule: str) -> list[str]:
    return [k for (k,) in query(db_path, f"select key from alerts where rule = '{rule}' order by created_at")]


def _requests(httpserver: HTTPServer, path: str) -> int:
    return sum(1 for request, _ in httpserver.log if request.path == path)


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_a_source_answering_410_is_paused_until_an_operator_enables_it(
        tmp_path: Path, db_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/rss").respond_with_data("gone", status=410)
    sources = write_sources(tmp_path / "s.yaml", [{"id": "gone", "name": "Cổng cũ", "kind": "rss",
                                                   "url": httpserver.url_for("/rss")}])

    first = run_cycle(sources, db_path)
    second = run_cycle(sources, db_path)

    assert first.failures[0].reason == "fetch.http_410"
    assert second.sources_paused == ["gone"] and second.sources_tried == 0
    assert _requests(httpserver, "/rss") == 1  # the paused source was not asked again
    assert query(db_path, "select disabled_reason from v_source_health") == [("fetch.http_410",)]
    assert len(_alerts(db_path, "source_gone")) == 1

    result = CliRunner().invoke(app, ["sources", "enable", "gone", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert CliRunner().invoke(app, ["sources", "enable", "gone", "--db", str(db_path)]).exit_code == 1
    run_cycle(sources, db_path)
    assert _requests(httpserver, "/rss") == 2


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_a_changed_layout_gives_one_notice_per_breakage_not_per_run(
        tmp_path: Path, db_path: Path, httpserver: HTTPServer) -> None:
    layout = {"page": REDESIGNED}

    def listing(request: Request) -> Response:
        return Response(layout["page"], content_type="text/html")

    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/tin-tuc").respond_with_handler(listing)
    httpserver.expect_request("/bai-1.html").respond_with_data(ARTICLE, content_type="text/html")
    sources = write_sources(tmp_path / "s.yaml", [{"id": "portal", "name": "Cổng", "kind": "listing",
                                                   "url": httpserver.url_for("/tin-tuc")}])

    first = run_cycle(sources, db_path)
    run_cycle(sources, db_path)
    assert first.failures[0].reason == "parse.layout_changed"
    assert len(_alerts(db_path, "source_layout_changed")) == 1  # two broken runs, one notice

    layout["page"] = LISTING  # fixed ...
    assert run_cycle(sources, db_path).sources_failed == 0
    layout["page"] = REDESIGNED  # ... and broken again: a new breakage, a new notice
    run_cycle(sources, db_path)
    assert len(_alerts(db_path, "source_layout_changed")) == 2
    assert _alerts(db_path, "source_unhealthy") == []


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_adaptive_polling_reads_a_quiet_source_less_often_and_records_why(tmp_path: Path, db_path: Path,
                                                                          portal: DemoPortal) -> None:
    sources = write_sources(tmp_path / "s.yaml", [
        {"id": "demo", "name": "Demo", "province": "Đồng Tháp", "kind": "rss", "url": portal.feed_url}])
    polling = {"poll_min_hours": 0, "poll_max_hours": 72, "poll_step_hours": 24}
    first = run_cycle(sources, db_path, revisit_days=0, **polling)
    assert first.articles_new == 3 and first.sources_not_due == []
    second = run_cycle(sources, db_path, revisit_days=0, **polling)  # due (interval 0), but nothing new
    assert second.sources_tried == 1 and second.articles_new == 0
    third = run_cycle(sources, db_path, revisit_days=0, **polling)  # quiet: 48 h from the second cycle
    assert third.sources_not_due == ["demo"] and third.sources_tried == 0
    decisions = query(db_path, "select reason, listed, new_items, interval_hours from poll_decisions "
                               "order by decided_at")
    assert decisions == [("first", 3, 3, 0.0), ("quiet", 3, 0, 48.0)]
    (row,) = query(db_path, "select poll_interval_hours, poll_reason, next_poll_at > now() from v_source_health")
    assert row == (48.0, "quiet", True)
    named = run_cycle(sources, db_path, revisit_days=0, only_sources=["demo"], **polling)  # asked for: read now
    assert named.sources_tried == 1
