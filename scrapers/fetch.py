"""Polite, guarded fetching of one URL: robots.txt, host gates, redirects, Retry-After, validators, decoding."""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import certifi
from protego import Protego

from cchc_monitor.config import FetchPolicy
from cchc_monitor.errors import FetchError
from scrapers.decode import decode_body
from scrapers.guard import Guard, checked_parts
from scrapers.http import RETRYABLE_STATUS, RawResponse, make_client, request_once
from scrapers.links import join
from scrapers.politeness import MAX_PAUSE, Clock, Gates, SystemClock, retry_after_seconds

ROBOTS_MAX_BYTES = 500 * 1024
ROBOTS_TTL = 24 * 3600.0
ROBOTS_RETRY = 600.0  # a robots.txt answering 5xx/429 is asked again after this long
# a host that did not answer at all for robots.txt: its other sources starting now share the failure,
# but a retry (10 s or more later, flows/cycle.py) asks again instead of failing on the cached answer
ROBOTS_NO_ANSWER_RETRY = 5.0
DEFAULT_PAUSE = 60.0  # a 429/503 without Retry-After pauses the host this long
# the longest a fetch waits for its host's turn (Retry-After, Crawl-delay, the adaptive delay, whose cap is
# 60 s); a host asking for more is deferred to a later cycle (fetch.host_deferred), never slept for
MAX_HOST_WAIT = 120.0
MAX_VALIDATOR_CHARS = 512
VALIDATORS = (("etag", "etag", "If-None-Match"), ("last_modified", "last-modified", "If-Modified-Since"))


def sendable(value: str) -> bool:
    """Whether a header value can go back to the server: printable ASCII, short. A validator that
    cannot (an ETag with a non-ASCII byte) is never stored, or every later request would fail."""
    return 0 < len(value) <= MAX_VALIDATOR_CHARS and all(" " <= c <= "~" for c in value)


@dataclass(frozen=True)
class Page:
    """A fetched, decoded page; `not_modified` when the server answered 304 to our validators."""

    url: str
    final_url: str
    status: int
    text: str
    content_type: str | None = None
    charset_rule: str | None = None
    validators: dict[str, str] = field(default_factory=dict)
    not_modified: bool = False


@dataclass
class _Robots:
    parser: Protego | None  # None: everything allowed
    expires_at: float
    unreachable: bool = False
    cause: FetchError | None = None  # the network failure, when robots.txt could not be fetched at all
    text: str | None = None  # the rules as read (None: none, everything allowed), kept across cycles


def origin_of(url: str) -> str:
    """The key robots.txt rules are kept by: the URL's scheme, host and port."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class RobotsCache:
    """robots.txt rules per origin, shared by every fetcher of the process (read once per 24 h)."""

    def __init__(self) -> None:
        self._entries: dict[str, _Robots] = {}
        self._lock = threading.Lock()

    def get(self, origin: str, now: float) -> _Robots | None:
        with self._lock:
            entry = self._entries.get(origin)
        return entry if entry is not None and entry.expires_at > now else None

    def put(self, origin: str, entry: _Robots) -> None:
        with self._lock:
            self._entries[origin] = entry

    def export(self, now: float, wall_now: float) -> dict[str, tuple[str | None, float]]:
        """The rules worth keeping for the next cycle: origin → (robots.txt text or None for "everything
        allowed", wall-clock expiry); an unreachable host's answer is not kept (it is asked again soon)."""
        with self._lock:
            entries = list(self._entries.items())
        return {origin: (e.text, wall_now + e.expires_at - now) for origin, e in entries
                if not e.unreachable and e.expires_at > now}

    def load(self, kept: dict[str, tuple[str | None, float]], now: float, wall_now: float) -> None:
        """Take back rules an earlier cycle kept (`export`), each for the rest of its lifetime."""
        for origin, (text, expires) in kept.items():
            if expires > wall_now:
                parser = Protego.parse(text) if text is not None else None
                self.put(origin, _Robots(parser, now + expires - wall_now, text=text))


def tls_context(extra_bundle: Path | None = None, base_bundle: str | None = None) -> ssl.SSLContext:
    """Verification always on; a source may add intermediates its server forgets to send. A bundle
    that is no PEM certificate fails that source (FetchError tls.bad_ca_bundle), not the cycle."""
    context = ssl.create_default_context(cafile=base_bundle or certifi.where())
    if extra_bundle is not None:
        try:
            context.load_verify_locations(cafile=str(extra_bundle))
        except (ssl.SSLError, OSError, ValueError) as exc:
            raise FetchError(f"{extra_bundle}: ca_bundle is not a readable PEM certificate bundle ({exc})",
                             url=str(extra_bundle), reason="tls.bad_ca_bundle") from exc
    return context


class Fetcher:
    """Fetches URLs for one source at a time, politely and within limits."""

    def __init__(self, policy: FetchPolicy, *, gates: Gates | None = None, clock: Clock | None = None,
                 guard: Guard | None = None, verify: ssl.SSLContext | bool = True,
                 robots: RobotsCache | None = None, max_wait: float = MAX_HOST_WAIT) -> None:
        self.policy = policy
        self.max_wait = max_wait
        self.clock = clock or (gates.clock if gates else SystemClock())
        self.gates = gates or Gates(self.clock, min_delay=policy.host_delay)
        self.guard = guard or Guard()
        self._source_is_private = True  # set per request in get(), read when a connection opens
        self.client = make_client(policy.timeout, verify, pick=self._addresses)
        self.robots = robots or RobotsCache()

    def close(self) -> None:
        """Release connections."""
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, *, validators: dict[str, str] | None = None, source_url: str | None = None) -> Page:
        """Fetch one URL of a source, or raise FetchError with a stable reason code."""
        delay = self.prepare(url, source_url)
        source_is_private = self._source_is_private
        headers = {"User-Agent": self.policy.user_agent, "Accept-Language": "vi,en;q=0.5",
                   "Accept-Encoding": "gzip, deflate"}
        for key, _, header in VALIDATORS:
            value = (validators or {}).get(key)
            if value and sendable(value):  # one stored before this check was made is left out
                headers[header] = value
        hop, seen = url, {url}
        for _ in range(self.policy.max_redirects + 1):
            raw = self._exchange(hop, headers, delay)
            location = raw.headers.get("location")
            if raw.status in (301, 302, 303, 307, 308) and location:
                hop = join(hop, location)
                if hop in seen:
                    break
                seen.add(hop)
                self.guard.check(hop, source_is_private=source_is_private)
                continue
            return self._page(url, raw)
        raise FetchError(f"{url}: redirect loop or more than {self.policy.max_redirects} redirects",
                         url=url, reason="fetch.redirect_loop")

    def prepare(self, url: str, source_url: str | None = None) -> float:
        """Check the URL (and the source it belongs to) against the guard and read its origin's robots.txt:
        the delay its host asks, or FetchError (blocked address, disallowed, robots unreachable)."""
        source_host = checked_parts(source_url or url).hostname or ""
        self._source_is_private = self.guard.is_private_host(source_host)
        self.guard.check(url, source_is_private=self._source_is_private)
        return self._robots_delay(url)

    def _addresses(self, host: str) -> list[str]:
        return self.guard.addresses(host, source_is_private=self._source_is_private)

    def _exchange(self, url: str, headers: dict[str, str], delay: float) -> RawResponse:
        host = urlsplit(url).netloc
        with self.gates.hold(host, delay, self.max_wait):
            started = self.clock.now()
            try:
                raw = request_once(self.client, url, headers=headers, max_bytes=self.policy.max_bytes,
                                   deadline_at=started + self.policy.deadline, now=self.clock.now)
            except FetchError as exc:
                if exc.retryable:  # the server is struggling (timeout, reset): slow down for it
                    self.gates.observe(host, self.clock.now() - started, ok=False)
                raise
            self.gates.observe(host, self.clock.now() - started, ok=raw.status not in RETRYABLE_STATUS)
        if raw.status in (429, 503):
            wait = retry_after_seconds(raw.headers.get("retry-after"))
            self.gates.pause(host, DEFAULT_PAUSE if wait is None else wait)
        return raw

    def _page(self, url: str, raw: RawResponse) -> Page:
        if raw.status == 304:
            return Page(url, raw.url, 304, "", not_modified=True)
        if raw.status >= 300:
            raise FetchError(f"{url}: HTTP {raw.status}", url=url, reason=f"fetch.http_{raw.status}",
                             retryable=raw.status in RETRYABLE_STATUS)
        content_type = raw.headers.get("content-type")
        charset = None
        if content_type and "charset=" in content_type.lower():
            charset = content_type.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'")
        text, rule = decode_body(raw.body, charset, url)
        found = {k: raw.headers[h] for k, h, _ in VALIDATORS if h in raw.headers and sendable(raw.headers[h])}
        return Page(url, raw.url, raw.status, text, content_type, rule, found)

    # robots.txt (RFC 9309) ---------------------------------------------------------------------

    def _robots_entry(self, origin: str) -> _Robots:
        """The robots.txt rules of an origin: known already, or read now (what they forbid, or why they
        could not be read, is raised by the fetch that needs them)."""
        entry = self.robots.get(origin, self.clock.now())
        if entry is None:
            entry = self._load_robots(origin)
            self.robots.put(origin, entry)
        return entry

    def _robots_delay(self, url: str) -> float:
        """Raise robots.disallowed / robots.unreachable, else return the host's Crawl-delay floor."""
        origin = origin_of(url)
        entry = self._robots_entry(origin)
        if entry.cause is not None:  # the host itself did not answer: report why
            raise FetchError(f"{url}: {origin} did not answer for robots.txt: {entry.cause}", url=url,
                             reason=entry.cause.reason, retryable=entry.cause.retryable)
        if entry.unreachable:
            raise FetchError(f"{url}: robots.txt of {origin} answers with an error; the host is not crawled until "
                             "it answers", url=url, reason="robots.unreachable", retryable=True)
        if entry.parser is None:
            return self.policy.host_delay
        if not entry.parser.can_fetch(url, self.policy.user_agent):
            raise FetchError(f"{url}: disallowed by robots.txt", url=url, reason="robots.disallowed")
        crawl_delay = float(entry.parser.crawl_delay(self.policy.user_agent) or 0)
        if crawl_delay != crawl_delay:  # NaN: no delay said
            return self.policy.host_delay
        return max(self.policy.host_delay, min(crawl_delay, MAX_PAUSE))  # beyond max_wait: deferred (politeness)

    def _load_robots(self, origin: str) -> _Robots:
        now = self.clock.now()
        url = f"{origin}/robots.txt"
        headers = {"User-Agent": self.policy.user_agent}
        try:
            for _ in range(6):
                with self.gates.hold(urlsplit(url).netloc, self.policy.host_delay, self.max_wait):
                    # read at most 500 KiB; a longer file is cut there, and the rules in it apply
                    raw = request_once(self.client, url, headers=headers, max_bytes=ROBOTS_MAX_BYTES,
                                       deadline_at=self.clock.now() + self.policy.deadline, now=self.clock.now,
                                       truncate=True)
                location = raw.headers.get("location")
                if raw.status in (301, 302, 303, 307, 308) and location:
                    url = join(url, location)
                    checked_parts(url)
                    continue
                break
            else:  # more than five redirects: treated as unavailable
                return _Robots(None, now + ROBOTS_TTL)
        except FetchError as exc:
            return _Robots(None, now + ROBOTS_NO_ANSWER_RETRY, unreachable=True, cause=exc)
        if raw.status == 429 or raw.status >= 500:  # unreachable: nothing is fetched from the host
            return _Robots(None, now + ROBOTS_RETRY, unreachable=True)
        if 400 <= raw.status < 500:  # unavailable (401 and 403 too): everything allowed, RFC 9309 2.3.1.3
            return _Robots(None, now + ROBOTS_TTL)
        text = raw.body.decode("utf-8", errors="replace").lstrip("\ufeff")
        return _Robots(Protego.parse(text), now + ROBOTS_TTL, text=text)
