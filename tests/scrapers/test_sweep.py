"""A cycle's network work on the scheduler: retried discovery, pages as they come, validators and 304s."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from cchc_monitor.config import FetchPolicy, RetryPolicy
from cchc_monitor.models import ItemRef, SourceSpec
from scrapers.fetch import RobotsCache
from scrapers.politeness import Gates
from scrapers.sweep import Sweep

FEED = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Cổng</title>
<item><title>Tin một</title><link>{base}/a1</link></item><item><title>Tin hai</title><link>{base}/a2</link></item>
</channel></rss>"""


def sweep(retries: int = 0) -> Sweep:
    policy = FetchPolicy(user_agent="CCHC-Monitor-test", timeout=5.0, deadline=5.0, host_delay=0.0)
    return Sweep(policy, RetryPolicy(retries, 0.0), connections=4, gates=Gates(min_delay=0.0, jitter=0.0),
                 robots=RobotsCache())


def spec(url: str, source_id: str = "s") -> SourceSpec:
    return SourceSpec(id=source_id, name="Nguồn", kind="rss", url=url)


def test_a_transient_discovery_failure_is_retried_and_a_lasting_one_reported(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    answers = [Response("bận", status=502),
               Response(FEED.format(base=httpserver.url_for("")), content_type="application/rss+xml")]
    httpserver.expect_request("/flaky").respond_with_handler(lambda request: answers.pop(0))
    httpserver.expect_request("/broken").respond_with_data("lỗi", status=500)
    with sweep(retries=1) as s:
        (_, flaky), (_, broken) = s.discover([spec(httpserver.url_for("/flaky"), "flaky"),
                                              spec(httpserver.url_for("/broken"), "broken")], {})
    assert flaky.found is not None and [i.title for i in flaky.found.items] == ["Tin một", "Tin hai"]
    assert broken.found is None and broken.error is not None and broken.error.reason == "fetch.http_500"
    assert sum(1 for r, _ in httpserver.log if r.path == "/broken") == 2  # once, and its one retry


def test_pages_come_with_their_validators_and_a_304_is_only_a_log_line(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/new").respond_with_data("<html><body><p>Bài mới</p></body></html>",
                                                        headers={"ETag": '"v1"'}, content_type="text/html")
    httpserver.expect_request("/old", headers={"If-None-Match": '"v0"'}).respond_with_data("", status=304)
    source = spec(httpserver.url_for("/rss"))
    items = [ItemRef(httpserver.url_for("/new")), ItemRef(httpserver.url_for("/old"))]
    with sweep() as s:
        got = {f.item.url.rsplit("/", 1)[1]: f for f in s.fetch([(source, items)],
                                                                {httpserver.url_for("/old"): {"etag": '"v0"'}})}
    assert got["new"].page is not None and got["new"].page.validators == {"etag": '"v1"'}
    assert "Bài mới" in got["new"].page.text and got["new"].record.ok
    assert got["old"].page is None and got["old"].record.ok and got["old"].record.status == 304


def test_a_caller_that_stops_early_leaves_no_work_running(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    for n in range(20):
        httpserver.expect_request(f"/p{n}").respond_with_data("<html><body><p>x</p></body></html>")
    source = spec(httpserver.url_for("/rss"))
    with sweep() as s, pytest.raises(RuntimeError, match="store failed"):
        for _ in s.fetch([(source, [ItemRef(httpserver.url_for(f"/p{n}")) for n in range(20)])], {}):
            raise RuntimeError("store failed")
    served = sum(1 for r, _ in httpserver.log if r.path.startswith("/p"))
    assert served < 20  # the rest was never asked for


def test_rules_kept_from_an_earlier_cycle_are_applied_without_asking_for_robots_txt_again(
        httpserver: HTTPServer) -> None:
    httpserver.expect_request("/rss").respond_with_data(FEED.format(base=httpserver.url_for("")),
                                                        content_type="application/rss+xml")
    s = sweep()
    s.robots.load({httpserver.url_for("").rstrip("/"): ("User-agent: *\nDisallow: /private\n", 4e9)},
                  s.gates.clock.now(), 1e9)
    with s:
        (_, allowed), (_, refused) = s.discover([spec(httpserver.url_for("/rss"), "open"),
                                                 spec(httpserver.url_for("/private/rss"), "closed")], {})
    assert allowed.found is not None and len(allowed.found.items) == 2
    assert refused.error is not None and refused.error.reason == "robots.disallowed"
    assert [r.path for r, _ in httpserver.log] == ["/rss"]  # no robots.txt, nothing disallowed asked
