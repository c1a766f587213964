"""A hostile or broken host fails alone: huge pauses are deferred (never slept), trickled headers end at the
deadline, unsendable validators are never stored, bad links and bad CA bundles are recorded failures."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from cchc_monitor.config import FetchPolicy
from cchc_monitor.errors import ConfigError, FetchError
from cchc_monitor.models import SourceSpec
from cchc_monitor.settings import Settings
from scrapers.crawl import discover, fetcher_for
from scrapers.fetch import MAX_HOST_WAIT, Fetcher, sendable, tls_context
from scrapers.guard import embedded_ipv4, is_private_address
from scrapers.politeness import Gates
from scrapers.selection import Discovery, collect
from tests.helpers import policy
from tests.scrapers.servers import FakeClock, raw_server, respond, routes

PAGE = "<html><body><p>Cải cách hành chính</p></body></html>".encode()
NO_ROBOTS = ("404 Not Found", {}, b"")


def fetcher(clock: FakeClock, max_wait: float = MAX_HOST_WAIT, **overrides: object) -> Fetcher:
    options: dict[str, object] = {"timeout": 2.0, "deadline": 30.0, "host_delay": 0.0, **overrides}
    return Fetcher(policy(**options), gates=Gates(clock, min_delay=0.0, jitter=0.0), clock=clock, max_wait=max_wait)


def reason_of(call: object) -> str:
    with pytest.raises(FetchError) as info:
        call()  # type: ignore[operator]
    return info.value.reason


# a host's pause or delay beyond what a cycle waits: deferred, never slept -----------------------------

@pytest.mark.parametrize("retry_after", ["99999999", "86400", "Fri, 31 Dec 9999 23:59:59 GMT"])
def test_a_huge_retry_after_defers_the_host_instead_of_sleeping(retry_after: str) -> None:
    clock = FakeClock()
    table = {"/robots.txt": NO_ROBOTS, "/rss": ("503 Service Unavailable", {"Retry-After": retry_after}, b"")}
    with raw_server(routes(table)) as (base, seen), fetcher(clock) as f:
        assert reason_of(lambda: f.get(base + "/rss")) == "fetch.http_503"
        assert reason_of(lambda: f.get(base + "/rss")) == "fetch.host_deferred"
        assert reason_of(lambda: f.get(base + "/other")) == "fetch.host_deferred"  # the whole host waits
    assert clock.sleeps == [] and seen.count("/rss") == 1


def test_a_short_retry_after_is_still_honoured_by_waiting() -> None:
    clock = FakeClock()
    table = {"/robots.txt": NO_ROBOTS, "/rss": ("503 Service Unavailable", {"Retry-After": "30"}, b""),
             "/ok": ("200 OK", {}, PAGE)}
    with raw_server(routes(table)) as (base, _), fetcher(clock) as f:
        reason_of(lambda: f.get(base + "/rss"))
        assert f.get(base + "/ok").status == 200
    assert clock.sleeps and 0 < max(clock.sleeps) <= 30


@pytest.mark.parametrize("crawl_delay", [b"99999999", b"86401", b"1000000000000"])
def test_a_huge_crawl_delay_lets_one_request_through_then_defers_the_host(crawl_delay: bytes) -> None:
    clock = FakeClock()
    robots = b"User-agent: *\nCrawl-delay: " + crawl_delay + b"\nAllow: /\n"
    table = {"/robots.txt": ("200 OK", {}, robots), "/a": ("200 OK", {}, PAGE), "/b": ("200 OK", {}, PAGE)}
    with raw_server(routes(table)) as (base, seen), fetcher(clock) as f:
        assert f.get(base + "/a").status == 200
        assert reason_of(lambda: f.get(base + "/b")) == "fetch.host_deferred"
    assert "/b" not in seen and all(s <= MAX_HOST_WAIT for s in clock.sleeps)


@pytest.mark.parametrize("crawl_delay", [b"nan", b"-5", b"abc", b"1e999", b"inf"])
def test_a_meaningless_crawl_delay_is_no_delay(crawl_delay: bytes) -> None:
    clock = FakeClock()
    robots = b"User-agent: *\nCrawl-delay: " + crawl_delay + b"\n"
    table = {"/robots.txt": ("200 OK", {}, robots), "/a": ("200 OK", {}, PAGE), "/b": ("200 OK", {}, PAGE)}
    with raw_server(routes(table)) as (base, _), fetcher(clock) as f:
        assert f.get(base + "/a").status == f.get(base + "/b").status == 200
    assert clock.sleeps == []


def test_the_wait_budget_is_the_fetcher_s() -> None:
    clock = FakeClock()
    robots = b"User-agent: *\nCrawl-delay: 50\n"
    table = {"/robots.txt": ("200 OK", {}, robots), "/a": ("200 OK", {}, PAGE), "/b": ("200 OK", {}, PAGE)}
    with raw_server(routes(table)) as (base, _), fetcher(clock, max_wait=10.0) as f:
        f.get(base + "/a")
        assert reason_of(lambda: f.get(base + "/b")) == "fetch.host_deferred"
    with raw_server(routes(table)) as (base, _), fetcher(clock, max_wait=60.0) as f:
        f.get(base + "/a")
        assert f.get(base + "/b").status == 200
    assert clock.sleeps and max(clock.sleeps) <= 50


# the deadline covers the whole exchange, headers included ----------------------------------------------

def _trickle(status_line: bytes, sent: list[int]) -> object:
    def handle(conn: socket.socket, path: str) -> None:
        if path == "/robots.txt":
            respond(conn, "404 Not Found", {"Content-Length": "0", "Connection": "close"})
            return
        head = status_line + b"".join(b"X-Pad-%d: %s\r\n" % (i, b"y" * 20) for i in range(40))
        for byte in head:  # one byte every 20 ms: ~20 s for the headers, each read well within `timeout`
            conn.sendall(bytes([byte]))
            sent[0] += 1
            time.sleep(0.02)
    return handle


@pytest.mark.parametrize("status_line", [b"HTTP/1.1 200 OK\r\n", b"HTTP/1.1 503 Service Unavailable\r\n"])
def test_headers_trickled_byte_by_byte_end_at_the_deadline(status_line: bytes) -> None:
    sent = [0]
    with raw_server(_trickle(status_line, sent)) as (base, _), fetcher(FakeClock(), timeout=5.0, deadline=0.5) as f:
        assert reason_of(lambda: f.get(base + "/rss")) == "fetch.too_slow"
    head_size = len(status_line) + 40 * len(b"X-Pad-00: " + b"y" * 20 + b"\r\n")
    assert sent[0] < head_size // 2  # the exchange was abandoned long before the headers ended


def test_a_pooled_connection_keeps_to_each_request_s_own_deadline() -> None:
    """A server that really keeps its connection open (HTTP/1.1): three requests over one pooled
    connection each keep to their own deadline (the raw test server closes after one answer, so a
    reused connection would race with its close)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    connections: set[tuple[str, int]] = set()

    class KeepAlive(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802  (the stdlib's name)
            connections.add(self.client_address)
            body = b"User-agent: *\n" if self.path == "/robots.txt" else PAGE
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), KeepAlive)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        # a generous deadline: a loaded test machine must not fail a fast loopback exchange
        with fetcher(FakeClock(), deadline=3.0) as f:
            for _ in range(3):
                assert f.get(base + "/a").status == 200
    finally:
        server.shutdown()
        server.server_close()
    assert len(connections) == 1  # robots.txt and the three pages over one pooled connection


# validators we store are validators we can send back ------------------------------------------------------

def test_an_etag_with_a_non_ascii_byte_is_not_stored_and_the_source_keeps_working() -> None:
    table = {"/robots.txt": NO_ROBOTS,
             "/rss": ("200 OK", {"ETag": '"caf\xe9"', "Last-Modified": "Mon, 01 Dec 2026 00:00:00 GMT"}, PAGE)}
    with raw_server(routes(table)) as (base, _), fetcher(FakeClock()) as f:
        first = f.get(base + "/rss")
        assert "etag" not in first.validators and first.validators["last_modified"]
        # a validator stored before this check existed is left out of the request, not sent
        again = f.get(base + "/rss", validators={"etag": '"caf\xe9"', "last_modified": "x\r\nInjected: 1"})
        assert again.status == 200


@pytest.mark.parametrize("value, ok", [('"abc"', True), ('W/"abc-123"', True), ('"caf\xe9"', False),
                                       ("a\r\nb", False), ("", False), ("x" * 600, False), ("\x00", False)])
def test_sendable_validators(value: str, ok: bool) -> None:
    assert sendable(value) is ok


# the user agent is checked once, at configuration ----------------------------------------------------------

@pytest.mark.parametrize("agent", ["CCHC-Giám-sát/1.0", "bot\r\nX-Injected: 1", ""])
def test_a_user_agent_that_cannot_be_a_header_fails_at_configuration_naming_the_setting(
        agent: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCHC_USER_AGENT", agent)
    with pytest.raises(ConfigError, match="CCHC_USER_AGENT"):
        Settings.load().cycle_config()
    with pytest.raises(ConfigError, match="CCHC_USER_AGENT"):
        FetchPolicy(user_agent=agent, timeout=1.0, deadline=1.0, host_delay=0.0)


# bad links and bad CA bundles fail alone -----------------------------------------------------------------

@pytest.mark.parametrize("url", ["http://[::1/x", "http://127.0.0.1:99999/a", "http://127.0.0.1:abc/a",
                                 "http:///nohost", "http://x y.vn/a"])
def test_a_malformed_url_is_a_fetch_error_not_a_crash(url: str) -> None:
    with fetcher(FakeClock()) as f:
        assert reason_of(lambda: f.get(url)) == "fetch.invalid_url"


def test_a_redirect_to_a_malformed_location_is_a_fetch_error() -> None:
    table = {"/robots.txt": NO_ROBOTS, "/a": ("302 Found", {"Location": "http://[::1/x"}, b"")}
    with raw_server(routes(table)) as (base, _), fetcher(FakeClock()) as f:
        assert reason_of(lambda: f.get(base + "/a")) == "fetch.invalid_url"


FEED = """<?xml version="1.0" encoding="windows-1258"?><rss version="2.0"><channel><title>Tin</title>
<item><title>Năm 9999</title><link>{base}/tin/9999</link><pubDate>Fri, 31 Dec 9999 23:59:59 +0000</pubDate></item>
<item><title>Hỏng IPv6</title><link>http://[::1/x</link></item>
<item><title>Cổng sai</title><link>{base_host}:99999/tin/b</link></item>
<item><title>Script</title><link>javascript:alert(1)</link></item>
<item><title>Tương đối</title><link>/tin/tuong-doi</link></item>
<item><title>Năm 0</title><link>{base}/tin/0</link><pubDate>0000-00-00T00:00:00Z</pubDate></item>
<item><title>Tốt</title><link>{base}/tin/tot</link><pubDate>Mon, 01 Dec 2026 08:00:00 +0700</pubDate></item>
</channel></rss>"""


def test_a_feed_s_bad_items_are_refused_one_by_one_and_the_rest_listed() -> None:
    def handle(conn: socket.socket, path: str) -> None:
        body = FEED.format(base=base, base_host=base.rsplit(":", 1)[0]).encode()
        routes({"/robots.txt": NO_ROBOTS, "/rss": ("200 OK", {"Content-Type": "text/xml; charset=undefined"},
                                                   body)})(conn, path)

    with raw_server(handle) as (base, _), fetcher(FakeClock()) as f:
        spec = SourceSpec(id="tinh", name="Tỉnh", kind="rss", url=base + "/rss")
        found = discover(f, spec)
    urls = [i.url for i in found.items]
    assert urls == [base + "/tin/9999", base + "/tin/tuong-doi", base + "/tin/0", base + "/tin/tot"]
    assert [i.published for i in found.items][0] is None and found.items[-1].published is not None
    assert {r.reason for r in found.refused} == {"parse.invalid_link"} and len(found.refused) == 3
    collected = collect([(spec, Discovery(found))], lambda links: set())
    assert [r.reason for r in collected.fetch_log if not r.ok] == ["parse.invalid_link"] * 3
    assert len(collected.work[0][1]) == 4


def test_a_ca_bundle_that_is_not_pem_fails_its_source_with_a_reason(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(b"this is not a certificate\n")
    with pytest.raises(FetchError) as info:
        tls_context(bundle)
    assert info.value.reason == "tls.bad_ca_bundle"
    spec = SourceSpec(id="x", name="X", kind="rss", url="https://x.gov.vn/rss", ca_bundle=str(bundle))
    with pytest.raises(FetchError):
        fetcher_for(spec, policy())


# the SSRF guard reads the IPv4 address inside IPv6 forms ----------------------------------------------------

@pytest.mark.parametrize("address", [
    "2002:a9fe:a9fe::",            # 6to4 of 169.254.169.254 (cloud metadata)
    "2002:7f00:1::1",              # 6to4 of 127.0.0.1
    "2002:c0a8:101::",             # 6to4 of 192.168.1.1
    "64:ff9b::a9fe:a9fe",          # NAT64 of 169.254.169.254
    "64:ff9b:1::a00:1",            # local-use NAT64 of 10.0.0.1
    "::ffff:169.254.169.254",      # IPv4-mapped
    "::169.254.169.254",           # IPv4-compatible
    "::ffff:10.0.0.1", "::10.0.0.1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
])
def test_ipv6_forms_of_private_ipv4_addresses_are_private(address: str) -> None:
    assert is_private_address(address)


@pytest.mark.parametrize("address", ["2002:808:808::", "2001:4860:4860::8888", "8.8.8.8", "2a00:1450:4001::"])
def test_public_addresses_stay_public(address: str) -> None:
    assert not is_private_address(address)


def test_embedded_ipv4_reads_each_form() -> None:
    import ipaddress

    assert [str(a) for a in embedded_ipv4(ipaddress.IPv6Address("2002:a9fe:a9fe::"))] == ["169.254.169.254"]
    assert [str(a) for a in embedded_ipv4(ipaddress.IPv6Address("64:ff9b::808:808"))] == ["8.8.8.8"]
    assert embedded_ipv4(ipaddress.IPv6Address("2a00:1450:4001::")) == []


ARTICLE_BODY = ("<html><body><div class='journal-content-article'><p>" + "Cải cách hành chính tỉnh. " * 10
                + "</p></div></body></html>").encode()


def test_an_article_selector_that_is_not_css_fails_each_page_with_its_reason() -> None:
    from cchc_monitor.models import ArticleSelectors, ItemRef
    from scrapers.crawl import fetch_articles

    table = {"/robots.txt": NO_ROBOTS, "/a": ("200 OK", {"Content-Type": "text/html"}, ARTICLE_BODY),
             "/b": ("200 OK", {"Content-Type": "text/html"}, ARTICLE_BODY)}
    spec = SourceSpec(id="x", name="X", kind="listing", url="http://127.0.0.1/", article=ArticleSelectors(("a[",)))
    with raw_server(routes(table)) as (base, _), fetcher(FakeClock()) as f:
        articles, log = fetch_articles(f, spec, [ItemRef(base + "/a"), ItemRef(base + "/b")])
    assert articles == [] and [r.reason for r in log] == ["config.bad_selector"] * 2


def test_an_article_that_raises_an_untranslated_error_fails_alone_and_loudly(
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in extraction (an error no module translated) fails that article, logged with its traceback."""
    from cchc_monitor.models import ItemRef
    from scrapers import crawl

    def broken(html: str, url: str, **_: object) -> None:
        raise RuntimeError("a bug")

    table = {"/robots.txt": NO_ROBOTS, "/a": ("200 OK", {"Content-Type": "text/html"}, ARTICLE_BODY),
             "/b": ("200 OK", {"Content-Type": "text/html"}, ARTICLE_BODY)}
    spec = SourceSpec(id="x", name="X", kind="listing", url="http://127.0.0.1/")
    monkeypatch.setattr(crawl, "extract_article", broken)
    with raw_server(routes(table)) as (base, _), fetcher(FakeClock()) as f:
        articles, log = crawl.fetch_articles(f, spec, [ItemRef(base + "/a"), ItemRef(base + "/b")])
    assert articles == [] and [r.reason for r in log] == ["scrape.unexpected_error"] * 2
    assert "RuntimeError: a bug" in (log[0].detail or "")
    assert "unexpected error" in caplog.text
