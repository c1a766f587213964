"""A loopback portal farm: N portals, each its own host (127.0.X.Y), served by one asyncio loop in a thread.

Every portal serves /robots.txt, /rss.xml and its article pages (see content.py), after a per-host
simulated latency, with ETag / Last-Modified validators and 304s. Some hosts fail (never answer, 5xx,
429 with Retry-After). `Farm.set_day(2)` makes a share of the portals publish new articles. Per host
the farm counts requests and the most it ever had in flight at once, so a crawler's politeness can be
checked from the server's side. A control host on 127.0.0.1 (same port) answers /_farm/stats (JSON),
/_farm/day?n=2 and /_farm/reset, for a farm run in another process (python -m benchmarks.farm).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml

from benchmarks.farm import content
from benchmarks.farm.content import PLACES, PLATFORMS, VIETNAM, Article, Chrome

FAILURE_MODES = ("timeout", "5xx", "429")
HOLD_CAP = 5.0  # seconds a `?_hold=N` request waits at most for N requests in flight on its host
REASONS = {200: "OK", 304: "Not Modified", 404: "Not Found", 429: "Too Many Requests", 502: "Bad Gateway",
           400: "Bad Request"}


@dataclass(frozen=True)
class FarmConfig:
    """What the farm serves. Latency is a (low, high) range in seconds, drawn uniformly per request."""

    portals: int = 40
    articles: int = 20
    latency: tuple[float, float] = (0.05, 0.2)
    crawl_delay: float | None = None  # robots.txt Crawl-delay of every portal
    seed: int = 15
    fail_share: float = 0.05  # share of portals that fail, modes in FAILURE_MODES order
    failures: dict[int, str] | None = None  # explicit portal index -> mode (overrides fail_share)
    retry_after: int = 30  # seconds, in the 429 answers
    syndicate_share: float = 0.1  # share of articles that are another portal's story in this one's wrapper
    page_bytes: int = 70_000
    new_share: float = 0.25  # day 2: share of portals that publish
    new_articles: int = 4  # day 2: articles each of them publishes
    port: int = 0  # 0: a free port (the same on every address)
    first_day: date = date(2026, 3, 20)


@dataclass
class HostStats:
    """What one host saw: requests, most in flight at once, by kind and status, least idle gap."""

    requests: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    min_gap: float | None = None  # seconds from the end of one response to the start of the next request
    last_end: float | None = None

    def as_dict(self) -> dict[str, object]:
        return {"requests": self.requests, "in_flight": self.in_flight, "max_in_flight": self.max_in_flight,
                "kinds": dict(self.kinds), "statuses": {str(k): v for k, v in self.statuses.items()},
                "min_gap": self.min_gap}


@dataclass
class Portal:
    """One simulated portal."""

    index: int
    address: str
    platform: str
    name: str
    province: str
    level: str
    failure: str | None
    publishes_on_day2: bool
    articles: list[Article] = field(default_factory=list)  # oldest first, day-2 articles at the end
    by_path: dict[str, Article] = field(default_factory=dict)
    chrome: Chrome | None = None

    @property
    def id(self) -> str:
        return f"farm-{self.index:03d}"


def portal_address(index: int) -> str:
    """127.0.1.1, 127.0.1.2, ... 127.0.1.254, 127.0.2.1, ...: distinct loopback hosts."""
    return f"127.0.{1 + index // 254}.{1 + index % 254}"


def build_portals(config: FarmConfig) -> list[Portal]:
    """The portals and every article they will ever serve (day 1 and day 2), deterministically."""
    rng = random.Random(config.seed)
    n = config.portals
    failures = dict(config.failures) if config.failures is not None else {}
    if config.failures is None and config.fail_share > 0:
        count = max(1, round(n * config.fail_share)) if n > 1 else 0
        for k, index in enumerate(sorted(rng.sample(range(n), count))):
            failures[index] = FAILURE_MODES[k % len(FAILURE_MODES)]
    publishers = set(rng.sample(range(n), round(n * config.new_share))) if config.new_share > 0 else set()
    portals = []
    for i in range(n):
        province, communes = PLACES[i % len(PLACES)]
        level = ("province", "city", "department")[(i // len(PLACES)) % 3]
        kind = {"province": "UBND tỉnh", "city": "Sở Nội vụ tỉnh", "department": "Trung tâm PVHCC tỉnh"}[level]
        portals.append(Portal(i, portal_address(i), PLATFORMS[i % len(PLATFORMS)], f"{kind} {province} (farm {i})",
                              province, level, failures.get(i), i in publishers))
    year = config.first_day.year
    day1_end = datetime(config.first_day.year, config.first_day.month, config.first_day.day, 17, 0, tzinfo=VIETNAM)
    originals: dict[tuple[int, int], content.Story] = {}
    for p in portals:
        communes = PLACES[p.index % len(PLACES)][1]
        for j in range(config.articles + config.new_articles):
            originals[p.index, j] = content.make_story(config.seed, f"{p.index}/{j}", p.province, communes, year)
    for p in portals:
        for j in range(config.articles + config.new_articles):
            story, copied_from = originals[p.index, j], None
            if j < config.articles:
                published = day1_end - timedelta(hours=5 * (config.articles - 1 - j), minutes=7 * (p.index % 8))
                pick = random.Random(f"{config.seed}/syndicate/{p.index}/{j}")
                if n > 1 and pick.random() < config.syndicate_share:
                    other = pick.choice([q for q in range(n) if q != p.index])
                    story = originals[other, pick.randrange(config.articles)]
                    copied_from = portals[other].name
            else:
                published = day1_end + timedelta(hours=15, minutes=30 * (j - config.articles) + p.index % 8)
            path = content.article_path(p.platform, p.index, j, story.title, published)
            article = Article(p.index, j, story, published, path, copied_from)
            p.articles.append(article)
            p.by_path[path] = article
        headlines = [a.story.title for a in p.articles]
        p.chrome = content.portal_chrome(config.seed, p.index, p.name, p.platform, headlines, config.page_bytes)
    return portals


class Farm:
    """The farm: build it, start() it (or use `with running_farm(...)`), read stats(), set_day(2), stop()."""

    def __init__(self, config: FarmConfig | None = None) -> None:
        self.config = config or FarmConfig()
        self.portals = build_portals(self.config)
        self.day = 1
        self.port = self.config.port
        self._stats: dict[str, HostStats] = {p.address: HostStats() for p in self.portals}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._servers: list[asyncio.Server] = []
        self._writers: set[asyncio.StreamWriter] = set()
        self._changed: dict[str, asyncio.Condition] = {}
        self._rngs = {p.address: random.Random(f"{self.config.seed}/latency/{p.index}") for p in self.portals}
        self._by_address = {p.address: p for p in self.portals}

    # lifecycle -----------------------------------------------------------------------------------------

    def start(self) -> Farm:
        """Bind every address and serve from a background thread; returns once all are listening."""
        ready = threading.Event()
        failed: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._bind())
            except BaseException as exc:  # reported to start()'s caller
                failed.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._shutdown())
            loop.close()

        self._thread = threading.Thread(target=run, name="portal-farm", daemon=True)
        self._thread.start()
        ready.wait()
        if failed:
            raise failed[0]
        return self

    def stop(self) -> None:
        """Close every server and connection and join the thread."""
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop = self._thread = None

    def __enter__(self) -> Farm:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _bind(self) -> None:
        for p in self.portals:
            server = await asyncio.start_server(self._handler(p), host=p.address, port=self.port, reuse_address=True)
            self.port = server.sockets[0].getsockname()[1]
            self._servers.append(server)
            self._changed[p.address] = asyncio.Condition()
        self._servers.append(await asyncio.start_server(self._handler(None), host="127.0.0.1", port=self.port,
                                                        reuse_address=True))

    async def _shutdown(self) -> None:
        for server in self._servers:
            server.close()
        for writer in list(self._writers):
            writer.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # what others read and switch -----------------------------------------------------------------------

    def base_url(self, portal: Portal) -> str:
        return f"http://{portal.address}:{self.port}"

    @property
    def control_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/_farm"

    def set_day(self, day: int) -> None:
        """Day 1: every portal's first `articles` articles; day 2: the chosen portals add `new_articles`."""
        with self._lock:
            self.day = day

    def visible(self, portal: Portal) -> list[Article]:
        """The articles a portal has published by today, oldest first."""
        count = self.config.articles + (self.config.new_articles if self.day >= 2 and portal.publishes_on_day2 else 0)
        return portal.articles[:count]

    def stats(self) -> dict[str, HostStats]:
        """A copy of every host's counters, by address."""
        with self._lock:
            return {a: HostStats(s.requests, s.in_flight, s.max_in_flight, Counter(s.kinds), Counter(s.statuses),
                                 s.min_gap, s.last_end) for a, s in self._stats.items()}

    def reset_stats(self) -> None:
        with self._lock:
            self._stats = {p.address: HostStats() for p in self.portals}

    def write_sources(self, path: Path) -> Path:
        """A CCHC Monitor sources file with one rss source per portal."""
        sources = [{"id": p.id, "name": p.name, "kind": "rss", "url": f"{self.base_url(p)}/rss.xml",
                    "province": p.province, "level": p.level, "cms": p.platform} for p in self.portals]
        path.write_text("# Portal farm (benchmarks/farm): loopback hosts, not real portals.\n"
                        + yaml.safe_dump({"sources": sources}, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return path

    # serving -------------------------------------------------------------------------------------------

    def _handler(self, portal: Portal | None):
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self._writers.add(writer)
            try:
                while True:
                    head = await reader.readuntil(b"\r\n\r\n")
                    lines = head.decode("latin-1").split("\r\n")
                    parts = lines[0].split(" ")
                    if len(parts) != 3:
                        await self._send(writer, 400, {}, b"bad request\n", head_only=False, close=True)
                        return
                    method, target, version = parts
                    fields = (line.partition(":") for line in lines[1:] if line)
                    headers = {k.strip().lower(): v.strip() for k, _, v in fields}
                    close = version == "HTTP/1.0" or headers.get("connection", "").lower() == "close"
                    if portal is None:
                        keep = await self._control(writer, target)
                    else:
                        keep = await self._exchange(portal, reader, writer, method, target, headers, close)
                    if close or not keep:
                        return
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                return
            finally:
                self._writers.discard(writer)
                writer.close()
        return handle

    async def _exchange(self, portal: Portal, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                        method: str, target: str, headers: dict[str, str], close: bool) -> bool:
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        kind = ("robots" if path == "/robots.txt" else "rss" if path == "/rss.xml"
                else "article" if path in portal.by_path else "other")
        host = portal.address
        self._begin(host, kind)
        try:
            if "_hold" in query:  # test hook: answer only once this many requests are in flight here
                await self._hold(host, int(query["_hold"][0]))
            latency = self._rngs[host].uniform(*self.config.latency)
            if portal.failure == "timeout":  # never answers: wait until the client gives up
                while await reader.read(65536):
                    pass
                return False
            if latency > 0:
                await asyncio.sleep(latency)
            status, extra, body = self._route(portal, path, kind, headers)
            self._count_status(host, status)
            await self._send(writer, status, extra, body, head_only=method == "HEAD", close=close)
            return True
        finally:
            self._end(host)

    def _route(self, portal: Portal, path: str, kind: str, headers: dict[str, str]
               ) -> tuple[int, dict[str, str], bytes]:
        if portal.failure == "5xx":
            return 502, {"Content-Type": "text/html; charset=utf-8"}, b"<h1>502 Bad Gateway</h1>\n"
        if portal.failure == "429":
            return 429, {"Retry-After": str(self.config.retry_after), "Content-Type": "text/plain"}, b"slow down\n"
        if kind == "robots":
            return 200, {"Content-Type": "text/plain; charset=utf-8"}, content.robots_txt(self.config.crawl_delay)
        if kind == "rss":
            items = list(reversed(self.visible(portal)))[: self.config.articles]
            tag = f'"rss-{portal.index}-{len(self.visible(portal))}-{self.config.seed}"'
            return self._conditional(headers, tag, items[0].published,
                                     lambda: content.rss_feed(portal.name, self.base_url(portal), items),
                                     "application/rss+xml; charset=utf-8")
        if kind == "article":
            article = portal.by_path[path]
            if article not in self.visible(portal):
                return 404, {"Content-Type": "text/html; charset=utf-8"}, b"<h1>404</h1>\n"
            return self._conditional(headers, article.etag, article.published,
                                     lambda: self._article_page(portal, article), "text/html; charset=utf-8")
        if path == "/":
            body = (f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{portal.name}</title></head>'
                    f'<body><a href="/rss.xml">RSS</a></body></html>').encode()
            return 200, {"Content-Type": "text/html; charset=utf-8"}, body
        return 404, {"Content-Type": "text/html; charset=utf-8"}, b"<h1>404</h1>\n"

    def _article_page(self, portal: Portal, article: Article) -> bytes:
        visible = self.visible(portal)
        related = [a for a in reversed(visible) if a is not article][:8]
        assert portal.chrome is not None
        return content.article_page(portal.chrome, portal.platform, article, related, portal.name)

    @staticmethod
    def _conditional(headers: dict[str, str], etag: str, modified: datetime, make, content_type: str
                     ) -> tuple[int, dict[str, str], bytes]:
        last_modified = format_datetime(modified.astimezone(UTC), usegmt=True)
        extra = {"ETag": etag, "Last-Modified": last_modified, "Content-Type": content_type}
        if "if-none-match" in headers:
            tags = [t.strip().removeprefix("W/") for t in headers["if-none-match"].split(",")]
            if etag in tags or "*" in tags:
                return 304, {"ETag": etag, "Last-Modified": last_modified}, b""
        elif "if-modified-since" in headers:
            with contextlib.suppress(TypeError, ValueError, IndexError):
                if modified.replace(microsecond=0) <= parsedate_to_datetime(headers["if-modified-since"]):
                    return 304, {"ETag": etag, "Last-Modified": last_modified}, b""
        return 200, extra, make()

    async def _send(self, writer: asyncio.StreamWriter, status: int, extra: dict[str, str], body: bytes, *,
                    head_only: bool, close: bool) -> None:
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}", "Server: portal-farm",
                 f"Date: {format_datetime(datetime.now(UTC), usegmt=True)}",
                 *(f"{k}: {v}" for k, v in extra.items())]
        if status != 304:
            lines.append(f"Content-Length: {len(body)}")
        lines.append("Connection: close" if close else "Connection: keep-alive")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        if not head_only and status != 304:
            writer.write(body)
        await writer.drain()

    async def _control(self, writer: asyncio.StreamWriter, target: str) -> bool:
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        if parts.path == "/_farm/day" and "n" in query:
            self.set_day(int(query["n"][0]))
        elif parts.path == "/_farm/reset":
            self.reset_stats()
        elif parts.path != "/_farm/stats":
            await self._send(writer, 404, {}, b"unknown\n", head_only=False, close=False)
            return True
        body = json.dumps({"day": self.day, "hosts": {a: s.as_dict() for a, s in self.stats().items()}}).encode()
        await self._send(writer, 200, {"Content-Type": "application/json"}, body, head_only=False, close=False)
        return True

    # counters ------------------------------------------------------------------------------------------

    def _begin(self, host: str, kind: str) -> None:
        now = time.monotonic()
        with self._lock:
            s = self._stats[host]
            s.requests += 1
            s.in_flight += 1
            s.max_in_flight = max(s.max_in_flight, s.in_flight)
            s.kinds[kind] += 1
            if s.last_end is not None and s.in_flight == 1:
                gap = now - s.last_end
                s.min_gap = gap if s.min_gap is None else min(s.min_gap, gap)
        self._notify(host)

    def _end(self, host: str) -> None:
        with self._lock:
            s = self._stats[host]
            s.in_flight -= 1
            s.last_end = time.monotonic()

    def _count_status(self, host: str, status: int) -> None:
        with self._lock:
            self._stats[host].statuses[status] += 1

    def _notify(self, host: str) -> None:
        condition = self._changed[host]

        async def wake() -> None:
            async with condition:
                condition.notify_all()
        asyncio.get_running_loop().create_task(wake())

    async def _hold(self, host: str, count: int) -> None:
        condition = self._changed[host]
        with contextlib.suppress(TimeoutError):
            async with condition:
                await asyncio.wait_for(condition.wait_for(lambda: self._stats[host].in_flight >= count), HOLD_CAP)


@contextlib.contextmanager
def running_farm(config: FarmConfig | None = None, sources: Path | None = None) -> Iterator[Farm]:
    """Start a farm (and write its sources file when `sources` is given), stop it on exit."""
    farm = Farm(config)
    with farm:
        if sources is not None:
            farm.write_sources(sources)
        yield farm
