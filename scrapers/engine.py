"""Many hosts busy at once, each given one request at a time: a due-time scheduler over a pool of I/O threads.

A job is one unit of network work on one host (discover a source, fetch an article page). Jobs wait in
their host's queue, not in a thread: a host enters the schedule when its politeness gate (delay,
Crawl-delay, Retry-After, the adaptive delay) says its next request may start, and only then does a
thread take its next job. So hundreds of hosts are fetched in parallel while no host ever has two
requests in flight, and a thread is never spent sleeping for a host's turn. This is the scheduling of an
asynchronous crawler (Scrapy's per-domain slots) with blocking HTTP underneath: the hardened exchange of
scrapers/http.py and scrapers/fetch.py, and every fault it handles, stays one code path.
"""

from __future__ import annotations

import heapq
import itertools
import queue
import ssl
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from cchc_monitor.config import FetchPolicy
from cchc_monitor.models import SourceSpec
from cchc_monitor.settings import DEFAULT_CONNECTIONS
from scrapers.fetch import Fetcher, RobotsCache, tls_context
from scrapers.politeness import Clock, Gates, SystemClock

T = TypeVar("T")
MAX_OPEN_FETCHERS = 256  # idle hosts' clients kept open (their keep-alive connections) at most
# finished jobs' results left waiting for the caller before fewer jobs are started: a job started while the
# caller is behind only adds a page held in memory (at a host delay of 0, 256 threads kept nearly all of
# their pages finished and waiting while the cycle's cores worked through them)
AHEAD = 32


def host_of(url: str) -> str:
    """The key politeness is kept by (the URL's host and port), as the gates keep it."""
    return urlsplit(url).netloc


@dataclass
class _Job(Generic[T]):
    run: Callable[[], T]
    tag: Any
    not_before: float


@dataclass(frozen=True)
class Done(Generic[T]):
    """One finished job: the caller's tag and the job's result, or the exception it raised."""

    tag: Any
    result: T | None
    error: BaseException | None


class HostScheduler(Generic[T]):
    """Runs submitted jobs on `workers` threads, at most one per host at a time, each started no earlier
    than its host's gate allows (and than its own `not_before`); `results()` yields them as they finish,
    and jobs may be submitted while it runs (a retry, the articles a discovery found). Jobs started and not
    yet taken are bounded by `limit`: one fewer each time `ahead` or more results wait for the caller as it
    takes one, one more each time it finds none waiting (up to `workers`)."""

    def __init__(self, gates: Gates, workers: int = DEFAULT_CONNECTIONS, clock: Clock | None = None,
                 on_drain: Callable[[str], None] = lambda host: None, ahead: int = AHEAD) -> None:
        self.gates, self.workers = gates, max(1, workers)
        self.ahead = max(1, min(ahead, self.workers))
        self.limit = self.workers  # jobs started and not yet taken by the caller, at most
        self.clock = clock or gates.clock or SystemClock()
        self.on_drain = on_drain  # called when a host has no job left (its connections can close)
        self._queues: dict[str, deque[_Job[T]]] = {}
        self._busy: set[str] = set()
        self._heap: list[tuple[float, int, str]] = []
        self._scheduled: set[str] = set()
        self._order = itertools.count()
        self._done: queue.Queue[tuple[str, Done[T]]] = queue.Queue()
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="fetch")
        self.in_flight = 0
        self.most_in_flight = 0

    def submit(self, host: str, run: Callable[[], T], tag: Any = None, *, not_before: float = 0.0) -> None:
        """Queue `run` for `host`; it starts when the host is free and due."""
        self._queues.setdefault(host, deque()).append(_Job(run, tag, not_before))
        self._schedule(host)

    def pending(self) -> int:
        """Jobs queued or running."""
        return sum(len(q) for q in self._queues.values()) + self.in_flight

    def results(self) -> Iterator[Done[T]]:
        """Each job's outcome as it finishes, until no job is queued or running."""
        while self._queues or self.in_flight:
            self._dispatch()
            wait = self._next_due()
            if self.in_flight == 0:
                if wait is None:  # queued jobs whose hosts are all busy cannot exist without work in flight
                    break
                self.clock.sleep(wait)
                continue
            try:
                host, done = self._done.get(timeout=None if wait is None or self.in_flight >= self.limit else wait)
            except queue.Empty:
                continue
            self.in_flight -= 1
            self._adapt(self._done.qsize())
            self._busy.discard(host)
            if self._queues.get(host):
                self._schedule(host)
            else:
                self._queues.pop(host, None)
                self.on_drain(host)
            yield done

    def close(self) -> None:
        """Stop the threads (jobs not started are dropped)."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> HostScheduler[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _adapt(self, waiting: int) -> None:
        """The caller is behind (`ahead` results wait): one job fewer; it would wait (none does): one more."""
        if waiting >= self.ahead:
            self.limit = max(self.ahead, self.limit - 1)
        elif waiting == 0:
            self.limit = min(self.workers, self.limit + 1)

    def _due_at(self, host: str) -> float:
        return max(self.gates.ready_at(host), self._queues[host][0].not_before)

    def _schedule(self, host: str) -> None:
        if host in self._busy or host in self._scheduled or not self._queues.get(host):
            return
        self._scheduled.add(host)
        heapq.heappush(self._heap, (self._due_at(host), next(self._order), host))

    def _next_due(self) -> float | None:
        if not self._heap or self.in_flight >= self.limit:
            return None
        return max(0.0, self._heap[0][0] - self.clock.now())

    def _dispatch(self) -> None:
        now = self.clock.now()
        while self._heap and self.in_flight < self.limit and self._heap[0][0] <= now:
            _, _, host = heapq.heappop(self._heap)
            due = self._due_at(host)
            if due > now:  # the gate moved on (a Retry-After pause): back in line
                heapq.heappush(self._heap, (due, next(self._order), host))
                continue
            self._scheduled.discard(host)
            job = self._queues[host].popleft()
            self._busy.add(host)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self._pool.submit(self._run, host, job)

    def _run(self, host: str, job: _Job[T]) -> None:
        try:
            done = Done(job.tag, job.run(), None)
        except BaseException as exc:  # handed to the caller, which decides; the thread goes on
            done = Done(job.tag, None, exc)
        self._done.put((host, done))


_TLS_LOCK = threading.Lock()


def default_tls() -> ssl.SSLContext:
    """One verifying TLS context for every fetcher of the process, made once: loading the CA bundle costs
    15 ms of CPU, and the first jobs of a cycle ask on 64 threads at once (each made its own, 1 s in all)."""
    with _TLS_LOCK:
        return _default_tls()


@lru_cache(maxsize=1)
def _default_tls() -> ssl.SSLContext:
    return tls_context()


class Fetchers:
    """A fetcher per host (and CA bundle), used by one job at a time as the scheduler guarantees, closed when
    its host has no job left, and at most MAX_OPEN_FETCHERS open (the least recently used idle one is closed:
    thousands of hosts in one cycle would otherwise each keep a client and a connection, about 300 KB); all
    share the process's gates and robots rules."""

    def __init__(self, policy: FetchPolicy, gates: Gates, robots: RobotsCache,
                 max_open: int = MAX_OPEN_FETCHERS) -> None:
        self.policy, self.gates, self.robots, self.max_open = policy, gates, robots, max_open
        self._open: OrderedDict[tuple[str, str | None], Fetcher] = OrderedDict()  # least recently used first
        self._busy: set[tuple[str, str | None]] = set()
        self._lock = threading.Lock()  # jobs of different hosts ask at once; a drained host closes meanwhile

    def run(self, host: str, spec: SourceSpec, work: Callable[[Fetcher], T]) -> T:
        """`work` done with the host's fetcher (made when needed; a CA bundle that is no PEM certificate
        raises FetchError tls.bad_ca_bundle for that source's jobs)."""
        key = (host, spec.ca_bundle)
        with self._lock:
            fetcher = self._open.pop(key, None)
            self._busy.add(key)
        try:
            if fetcher is None:
                verify = tls_context(Path(spec.ca_bundle)) if spec.ca_bundle else default_tls()
                fetcher = Fetcher(self.policy, gates=self.gates, verify=verify, robots=self.robots)
            return work(fetcher)
        finally:
            with self._lock:
                self._busy.discard(key)
                if fetcher is not None:
                    self._open[key] = fetcher  # the most recently used
                closing = [self._open.popitem(last=False)[1] for _ in range(len(self._open) - self.max_open)]
            for old in closing:
                old.close()

    def drained(self, host: str) -> None:
        """Close the fetchers of a host that has no job left."""
        with self._lock:
            closing = [self._open.pop(k) for k in [k for k in self._open if k[0] == host]]
        for fetcher in closing:
            fetcher.close()

    def close(self) -> None:
        """Close every fetcher."""
        with self._lock:
            closing, self._open = list(self._open.values()), OrderedDict()
        for fetcher in closing:
            fetcher.close()
