"""Fault matrix for fetching (reliability checklist H1–H3), on loopback servers with a fake clock."""

from __future__ import annotations

import socket
import struct
import time
import tracemalloc
import zlib
from collections.abc import Callable
from email.utils import formatdate
from typing import Any

import pytest

from cchc_monitor.config import RetryPolicy
from cchc_monitor.errors import FetchError
from scrapers.fetch import Fetcher
from scrapers.guard import Guard, is_private_address, resolve
from scrapers.politeness import Gates, retry_after_seconds
from tests.helpers import policy
from tests.scrapers.servers import FakeClock, raw_server, respond, routes

OK_HTML = "<html><body><p>Cải cách hành chính</p></body></html>".encode()


def fetcher(clock: FakeClock | None = None, **overrides: object) -> Fetcher:
    clock = clock or FakeClock()
    options = {"timeout": 2.0, "deadline": 30.0, "host_delay": 0.0, **overrides}
    return Fetcher(policy(**options), gates=Gates(clock, min_delay=float(options["host_delay"]), jitter=0.0))


def reason_of(call: Callable[[], object]) -> str:
    with pytest.raises(FetchError) as info:
        call()
    return info.value.reason


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# H1: transport ----------------------------------------------------------------------------------

def test_t1_closed_port_is_a_retryable_connect_error() -> None:
    with pytest.raises(FetchError) as info, fetcher() as f:
        f.get(f"http://127.0.0.1:{_closed_port()}/rss")
    assert info.value.reason == "fetch.connect_error" and info.value.retryable


@pytest.mark.parametrize("errno, retryable", [(socket.EAI_NONAME, False), (socket.EAI_AGAIN, True)])
def test_a_name_that_does_not_resolve_is_a_dns_error_retried_only_when_the_resolver_hiccups(
        errno: int, retryable: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    system = socket.getaddrinfo

    def getaddrinfo(host: str, *args, **kwargs):  # type: ignore[no-untyped-def]  # the system resolver, offline
        if host == "gone.test":
            raise socket.gaierror(errno, "no answer")
        return system(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with Fetcher(policy(host_delay=0.0), gates=Gates(FakeClock(), 0.0), guard=_internet_guard()) as f:
        with pytest.raises(FetchError) as info:
            f.get("http://gone.test/rss")
    assert (info.value.reason, info.value.retryable) == ("fetch.dns_error", retryable)
    assert "does not resolve" in str(info.value) and "gone.test" in str(info.value)


def test_a_host_silent_for_robots_is_asked_again_by_a_retry_not_failed_from_the_cache() -> None:
    clock = FakeClock()
    port = _closed_port()
    with Fetcher(policy(host_delay=0.0), gates=Gates(clock, 0.0), clock=clock) as f:
        first = pytest.raises(FetchError, f.get, f"http://127.0.0.1:{port}/rss").value
        assert first.reason == "fetch.connect_error" and first.retryable
        ok = routes({"/robots.txt": ("404 Not Found", {}, b""), "/rss": ("200 OK", {}, OK_HTML)})
        with raw_server(ok, port=port):
            # another source of the host starting at once shares the failure; no second connection
            assert reason_of(lambda: f.get(f"http://127.0.0.1:{port}/other")) == "fetch.connect_error"
            clock.sleep(10)  # the cycle's first retry delay
            assert f.get(f"http://127.0.0.1:{port}/rss").status == 200


def test_t2_a_server_that_never_answers_times_out() -> None:
    def stall(conn: socket.socket, path: str) -> None:
        if path == "/robots.txt":
            respond(conn, "404 Not Found", {"Content-Length": "0"})
        else:
            time.sleep(1.0)

    with raw_server(stall) as (base, _), fetcher(timeout=0.2) as f:
        assert reason_of(lambda: f.get(base + "/rss")) == "fetch.timeout"


def test_t3_a_trickling_body_fails_at_the_total_deadline() -> None:
    def trickle(conn: socket.socket, path: str) -> None:
        if path == "/robots.txt":
            return respond(conn, "404 Not Found", {"Content-Length": "0"})
        respond(conn, "200 OK", {"Content-Length": "40"})
        for _ in range(40):
            conn.sendall(b"x")
            time.sleep(0.01)

    clock = FakeClock(step=1.0)  # every look at the clock costs a second of fake time
    with raw_server(trickle) as (base, _), fetcher(clock, deadline=5.0) as f:
        assert reason_of(lambda: f.get(base + "/slow")) == "fetch.too_slow"


def test_t4_a_reset_mid_body_stores_nothing() -> None:
    def reset(conn: socket.socket, path: str) -> None:
        if path == "/robots.txt":
            return respond(conn, "404 Not Found", {"Content-Length": "0"})
        respond(conn, "200 OK", {"Content-Length": "1000"}, b"0123456789")
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    with raw_server(reset) as (base, _), fetcher() as f:
        assert reason_of(lambda: f.get(base + "/a")) in {"fetch.reset", "fetch.incomplete"}


def test_t5_a_body_shorter_than_its_length_is_incomplete() -> None:
    table = {"/a": ("200 OK", {"Content-Length": "1024"}, b"0123456789")}

    def short(conn: socket.socket, path: str) -> None:
        status, headers, body = table.get(path, ("404 Not Found", {"Content-Length": "0"}, b""))
        respond(conn, status, headers, body)

    with raw_server(short) as (base, _), fetcher() as f:
        assert reason_of(lambda: f.get(base + "/a")) == "fetch.incomplete"


def test_t6_garbage_gzip_is_a_decode_error() -> None:
    with raw_server(routes({"/a": ("200 OK", {"Content-Encoding": "gzip"}, b"not gzip at all")})) as (base, _):
        with fetcher() as f:
            assert reason_of(lambda: f.get(base + "/a")) == "fetch.decode_error"


def test_t7_a_gzip_bomb_stops_at_the_cap_without_inflating_it_in_memory() -> None:
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1024 * 1024)
    bomb = b"".join(squeeze.compress(zeros) for _ in range(200)) + squeeze.flush()  # 200 MiB inflated
    assert len(bomb) < 400_000
    cap = 5 * 1024 * 1024
    with raw_server(routes({"/bomb": ("200 OK", {"Content-Encoding": "gzip"}, bomb)})) as (base, _):
        with fetcher(max_bytes=cap) as f:
            tracemalloc.start()
            reason = reason_of(lambda: f.get(base + "/bomb"))
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
    assert reason == "fetch.too_large"
    assert peak < cap + 4 * 1024 * 1024


def test_t8_a_huge_body_without_length_is_too_large() -> None:
    def flood(conn: socket.socket, path: str) -> None:
        if path == "/robots.txt":
            return respond(conn, "404 Not Found", {"Content-Length": "0"})
        respond(conn, "200 OK", {"Connection": "close"})
        block = b"a" * 65536
        for _ in range(320):  # 20 MiB
            conn.sendall(block)

    with raw_server(flood) as (base, _), fetcher(max_bytes=1024 * 1024) as f:
        assert reason_of(lambda: f.get(base + "/big")) == "fetch.too_large"


def test_t9_a_redirect_loop_stops_within_the_limit() -> None:
    with raw_server(routes({"/loop": ("302 Found", {"Location": "/loop2"}, b""),
                            "/loop2": ("302 Found", {"Location": "/loop"}, b"")})) as (base, seen):
        with fetcher() as f:
            assert reason_of(lambda: f.get(base + "/loop")) == "fetch.redirect_loop"
    assert len([p for p in seen if p.startswith("/loop")]) <= 6


def _internet_guard(resolver: Callable[[str], list[str]] = resolve) -> Guard:
    """A guard for which 127.0.0.1 stands for the public internet; 127.0.0.2 stays private."""
    return Guard(resolver, is_private=lambda address: address != "127.0.0.1" and is_private_address(address))


def test_t10_a_public_source_redirected_into_a_private_address_is_blocked() -> None:
    with raw_server(routes({"/secret": ("200 OK", {}, b"metadata")}), host="127.0.0.2") as (inner, inner_seen):
        with raw_server(routes({"/rss": ("302 Found", {"Location": inner + "/secret"}, b"")})) as (outer, _):
            with Fetcher(policy(host_delay=0.0), gates=Gates(FakeClock(), 0.0), guard=_internet_guard()) as f:
                assert reason_of(lambda: f.get(outer + "/rss")) == "ssrf.blocked"
    assert "/secret" not in inner_seen


def test_d5_connections_are_pinned_to_the_checked_address() -> None:
    """DNS rebinding: a name that resolves public when checked and private a moment later. The
    connection goes only to an address the guard resolved and checked itself."""
    answers = {"calls": 0}

    def rebinding(host: str) -> list[str]:
        if host != "portal.test":
            return resolve(host)
        answers["calls"] += 1
        return ["127.0.0.1"] if answers["calls"] <= 2 else ["127.0.0.2"]  # public, then private

    ok = routes({"/robots.txt": ("404 Not Found", {}, b""), "/rss": ("200 OK", {}, OK_HTML)})
    with raw_server(ok) as (outer, _):
        port = outer.rsplit(":", 1)[1]
        with raw_server(ok, host="127.0.0.2", port=int(port)) as (_, inner_seen):
            with Fetcher(policy(host_delay=0.0), gates=Gates(FakeClock(), 0.0), guard=_internet_guard(rebinding)) as f:
                assert reason_of(lambda: f.get(f"http://portal.test:{port}/rss")) == "ssrf.blocked"
            assert inner_seen == []
            # a stable answer: the name (unknown to the system resolver) is reached through the checked address
            steady = _internet_guard(lambda host: ["127.0.0.1"] if host == "portal.test" else resolve(host))
            with Fetcher(policy(host_delay=0.0), gates=Gates(FakeClock(), 0.0), guard=steady) as f:
                assert f.get(f"http://portal.test:{port}/rss").status == 200


def test_the_ssrf_guard_is_on_by_default() -> None:
    guard = Guard()
    with pytest.raises(FetchError, match="private"):
        guard.check("http://169.254.169.254/latest/meta-data", source_is_private=False)
    with pytest.raises(FetchError):
        guard.check("file:///etc/passwd", source_is_private=False)
    guard.check("http://127.0.0.1:8080/rss", source_is_private=True)  # a deliberately local source


@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_t11_retry_after_pauses_the_whole_host(form: str) -> None:
    # an HTTP-date has whole seconds and is read against the wall clock: allow a little slack
    header, at_least = ("120", 120.0) if form == "seconds" else (formatdate(time.time() + 120, usegmt=True), 110.0)
    clock = FakeClock()
    table = {"/busy": ("429 Too Many Requests", {"Retry-After": header}, b""), "/other": ("200 OK", {}, OK_HTML)}
    with raw_server(routes(table)) as (base, _), fetcher(clock) as f:
        error = pytest.raises(FetchError, f.get, base + "/busy").value
        assert error.reason == "fetch.http_429" and error.retryable
        f.get(base + "/other")  # another URL on the same host waits out the pause
    assert max(clock.sleeps) >= at_least


def test_t12_backoff_delays_grow_and_are_capped() -> None:
    assert RetryPolicy(4, 10, cap_seconds=60).delays() == [10, 20, 40, 60]
    assert RetryPolicy(0, 10).delays() == []
    assert retry_after_seconds("999999") == 24 * 3600


def test_t13_validators_are_sent_and_304_means_not_modified() -> None:
    def conditional(conn: socket.socket, path: str) -> None:
        if path == "/robots.txt":
            return respond(conn, "404 Not Found", {"Content-Length": "0"})
        respond(conn, "200 OK", {"ETag": '"v1"', "Last-Modified": "Mon, 23 Nov 2026 01:00:00 GMT",
                                 "Content-Length": str(len(OK_HTML))}, OK_HTML)

    with raw_server(conditional) as (base, _), fetcher() as f:
        first = f.get(base + "/feed")
        assert first.validators == {"etag": '"v1"', "last_modified": "Mon, 23 Nov 2026 01:00:00 GMT"}

    def not_modified(conn: socket.socket, path: str) -> None:
        respond(conn, "304 Not Modified", {"Content-Length": "0"})

    sent: list[dict[str, str]] = []
    with raw_server(not_modified) as (base, _), fetcher() as f:
        original = f.client.stream

        def spy(method: str, url: str, headers: dict[str, str]) -> Any:
            sent.append(dict(headers))
            return original(method, url, headers=headers)

        f.client.stream = spy  # type: ignore[method-assign]  # a spy on the client's own method, for this test
        page = f.get(base + "/feed", validators=first.validators)
    assert page.not_modified and page.text == ""
    assert sent[-1]["If-None-Match"] == '"v1"' and "If-Modified-Since" in sent[-1]


def test_t14_gone_is_a_final_error() -> None:
    with raw_server(routes({"/rss": ("410 Gone", {}, b"")})) as (base, _), fetcher() as f:
        error = pytest.raises(FetchError, f.get, base + "/rss").value
    assert error.reason == "fetch.http_410" and not error.retryable


def test_b2_the_host_delay_grows_on_errors_and_relaxes_after_good_answers() -> None:
    gates = Gates(FakeClock(), min_delay=1.0, jitter=0.0)
    for expected in (1.0, 2.0, 4.0):
        gates.observe("h", latency=0.2, ok=False)
        assert gates.delay_of("h") == expected  # doubles, never shrinks on an error
    gates.observe("h", latency=0.2, ok=True)
    assert gates.delay_of("h") == pytest.approx(2.1)  # halfway towards the latency
    for _ in range(20):
        gates.observe("h", latency=0.2, ok=True)
    assert gates.delay_of("h") == 1.0  # never below the floor
    for _ in range(20):
        gates.observe("h", latency=0.2, ok=False)
    assert gates.delay_of("h") == 60.0  # capped
    assert gates.delay_of("other") == 1.0  # per host


def test_b2_a_struggling_server_is_asked_more_slowly() -> None:
    clock = FakeClock()
    table = {"/robots.txt": ("404 Not Found", {}, b""), "/busy": ("500 Internal Server Error", {}, b""),
             "/a": ("200 OK", {}, OK_HTML)}
    with raw_server(routes(table)) as (base, _), fetcher(clock, host_delay=1.0) as f:
        for _ in range(3):
            with pytest.raises(FetchError):
                f.get(base + "/busy")
        f.get(base + "/a")
    assert clock.sleeps == [1.0, 1.0, 2.0, 4.0]  # the waits before each request after robots.txt
