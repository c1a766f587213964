"""A cycle's network work on the host scheduler: every source discovered (transient failures retried
after capped, jittered delays), then every new article page fetched and handed on as it arrives."""

from __future__ import annotations

import logging
import queue
import random
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from cchc_monitor.config import FetchPolicy, RetryPolicy
from cchc_monitor.errors import FetchError, ScrapeError
from cchc_monitor.keys import canonical_url
from cchc_monitor.models import FetchRecord, ItemRef, SourceSpec
from cchc_monitor.settings import DEFAULT_CONNECTIONS
from scrapers.crawl import UNEXPECTED, discover, shared_gates, shared_robots
from scrapers.engine import Done, Fetchers, HostScheduler, host_of
from scrapers.fetch import Page, RobotsCache, origin_of
from scrapers.politeness import Gates
from scrapers.selection import Discovery

LOG = logging.getLogger(__name__)
PREFETCH = 64  # fetched pages waiting for the caller at most (about 10 MB of text)


@dataclass(frozen=True)
class Fetched:
    """One article page of a source: the page (None when it failed, or answered 304 to its validators)
    and its fetch-log line (for a page, the line to write once its text is extracted)."""

    spec: SourceSpec
    item: ItemRef
    page: Page | None
    record: FetchRecord
    key: str  # the item's canonical URL, which its page's validators are kept under
    asked: dict[str, str] | None = None  # the validators the page was asked with (a 304 says they still hold)


def _failure(exc: BaseException, what: str) -> ScrapeError:
    """A job's exception as a scrape error: ours as it is, anything else a bug, logged with its traceback."""
    if isinstance(exc, ScrapeError):
        return exc
    LOG.error("unexpected error on %s", what, exc_info=exc)
    return ScrapeError(f"{what}: {type(exc).__name__}: {exc}"[:500], url=what, reason=UNEXPECTED)


class Sweep:
    """Discovery and article fetching of one cycle over many hosts at once, polite to each."""

    def __init__(self, policy: FetchPolicy, retry: RetryPolicy | None = None, *,
                 connections: int = DEFAULT_CONNECTIONS, gates: Gates | None = None,
                 robots: RobotsCache | None = None) -> None:
        self.policy, self.retry = policy, retry or RetryPolicy(0, 0.0)
        self.gates = gates or shared_gates(policy.host_delay)
        self.robots = robots or shared_robots()
        self.connections = connections
        self.fetchers = Fetchers(policy, self.gates, self.robots)

    def close(self) -> None:
        """Release every connection."""
        self.fetchers.close()

    def __enter__(self) -> Sweep:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _scheduler(self) -> HostScheduler[Any]:
        return HostScheduler(self.gates, self.connections, on_drain=self.fetchers.drained)

    def discover(self, specs: list[SourceSpec], validators: dict[str, dict[str, str]], pages: int = 1,
                 progress: Callable[[int, int], None] = lambda done, total: None
                 ) -> list[tuple[SourceSpec, Discovery]]:
        """Each source's links (in source order), or the error that stopped it after its retries. A host's
        robots.txt is read as a job of its own first, so no thread waits out the delay after it (rules
        already known, as kept from an earlier cycle, need no job)."""
        outcomes: dict[int, Discovery] = {}
        attempts = dict.fromkeys(range(len(specs)), 0)
        delays = self.retry.delays()
        with self._scheduler() as scheduler:
            hosts: set[str] = set()
            for n, spec in enumerate(specs):
                host = host_of(spec.url)
                if host not in hosts:
                    hosts.add(host)
                    if self.robots.get(origin_of(spec.url), self.gates.clock.now()) is None:
                        scheduler.submit(host, self._robots_job(host, spec), ("robots", n))
                scheduler.submit(host, self._discover_job(host, spec, validators.get(spec.url), pages), ("source", n))
            for done in scheduler.results():
                kind, n = done.tag
                if kind == "robots":
                    continue
                if done.error is None:
                    outcomes[n] = Discovery(done.result)
                    progress(len(outcomes), len(specs))
                    continue
                exc = _failure(done.error, specs[n].url)
                if isinstance(exc, FetchError) and exc.retryable and attempts[n] < len(delays):
                    wait = delays[attempts[n]] * (1 + random.uniform(0, self.retry.jitter_factor))
                    attempts[n] += 1
                    host = host_of(specs[n].url)
                    scheduler.submit(host, self._discover_job(host, specs[n], validators.get(specs[n].url), pages),
                                     done.tag, not_before=self.gates.clock.now() + wait)
                    continue
                outcomes[n] = Discovery(None, exc)
                progress(len(outcomes), len(specs))
        return [(spec, outcomes[n]) for n, spec in enumerate(specs)]

    def fetch(self, work: list[tuple[SourceSpec, list[ItemRef]]], validators: dict[str, dict[str, str]]
              ) -> Iterator[Fetched]:
        """Every listed article page, as each arrives (hosts in parallel, each host's pages one at a time);
        a revisited page is asked with its validators (keyed by canonical URL), and a 304 is a log line.
        The scheduling runs in a thread of its own, so hosts stay busy while the caller works on what came
        (a batch being written); at most PREFETCH pages wait for the caller, the bound on their memory."""
        out: queue.Queue[Fetched | BaseException | None] = queue.Queue(maxsize=PREFETCH)
        stop = threading.Event()
        thread = threading.Thread(target=self._produce, args=(work, validators, out, stop), name="sweep", daemon=True)
        thread.start()
        try:
            while (item := out.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()  # the caller stopped early (an error): the scheduler ends after what is in flight
            thread.join()

    def _produce(self, work: list[tuple[SourceSpec, list[ItemRef]]], validators: dict[str, dict[str, str]],
                 out: queue.Queue[Fetched | BaseException | None], stop: threading.Event) -> None:
        def put(item: Fetched | BaseException | None) -> bool:
            while not stop.is_set():
                try:
                    out.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        try:
            with self._scheduler() as scheduler:
                for spec, items in work:
                    for item in items:
                        host, key = host_of(item.url), canonical_url(item.url)
                        asked = validators.get(key)
                        scheduler.submit(host, self._page_job(host, spec, item, asked), (spec, item, key, asked))
                for done in scheduler.results():
                    if not put(self._fetched(done)):
                        return
        except BaseException as exc:  # handed to the caller, raised there
            put(exc)
            return
        put(None)

    def _fetched(self, done: Done[Page]) -> Fetched:
        spec, item, key, asked = done.tag
        if done.error is not None:
            exc = _failure(done.error, item.url)
            return Fetched(spec, item, None, FetchRecord(spec.id, item.url, False, exc.reason, str(exc)), key, asked)
        page = done.result
        assert page is not None
        if page.not_modified:
            return Fetched(spec, item, None, FetchRecord(spec.id, item.url, True, status=304), key, asked)
        return Fetched(spec, item, page, FetchRecord(spec.id, item.url, True, status=page.status), key, asked)

    def _robots_job(self, host: str, spec: SourceSpec) -> Any:
        return lambda: self.fetchers.run(host, spec, lambda f: f.prepare(spec.url))

    def _discover_job(self, host: str, spec: SourceSpec, validators: dict[str, str] | None, pages: int) -> Any:
        return lambda: self.fetchers.run(host, spec, lambda f: discover(f, spec, validators, pages))

    def _page_job(self, host: str, spec: SourceSpec, item: ItemRef, validators: dict[str, str] | None) -> Any:
        return lambda: self.fetchers.run(host, spec, lambda f: f.get(item.url, validators=validators,
                                                                 source_url=spec.url))
