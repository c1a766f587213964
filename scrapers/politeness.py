"""Per-host politeness: one request in flight, a minimum delay between two requests' starts (robots
Crawl-delay), a delay that adapts to the server (AutoThrottle-style), and Retry-After pauses.

Time comes from a Clock so tests run on a fake one and never wait.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Protocol

from cchc_monitor.errors import FetchError

MAX_PAUSE = 24 * 3600.0
MAX_DELAY = 60.0  # the adaptive delay grows on errors up to this
HOST_DEFERRED = "fetch.host_deferred"


class Clock(Protocol):
    """Where time comes from: `now()` in seconds (monotonic) and `sleep()`."""

    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Real time."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


def retry_after_seconds(value: str | None, wall_now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), clamped to 24 h."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_PAUSE)
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    now = time.time() if wall_now is None else wall_now
    return min(max(0.0, when - now), MAX_PAUSE)


@dataclass
class _Host:
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_at: float = 0.0  # earliest time the next request may start
    adaptive: float = 0.0  # learned from the server's latency and errors


class Gates:
    """The politeness state of every host, shared by all fetches of one process."""

    def __init__(self, clock: Clock | None = None, min_delay: float = 1.0, jitter: float = 0.0) -> None:
        self.clock = clock or SystemClock()
        self.min_delay = min_delay
        self.jitter = jitter
        self._hosts: dict[str, _Host] = {}
        self._lock = threading.Lock()

    def _host(self, host: str) -> _Host:
        with self._lock:
            return self._hosts.setdefault(host, _Host())

    def hold(self, host: str, delay: float, max_wait: float = MAX_PAUSE) -> _Slot:
        """Wait for the host's turn, then hold it (one request in flight) until the slot closes; a
        turn further away than `max_wait` (a huge Retry-After or Crawl-delay) is not waited for:
        FetchError fetch.host_deferred, and the host is read by a later cycle."""
        state = self._host(host)
        return _Slot(self, state, max(delay, self.min_delay, state.adaptive), host, max_wait)

    def observe(self, host: str, latency: float, ok: bool) -> None:
        """Adapt the host's delay to how it answers, as Scrapy's AutoThrottle does: move halfway
        towards the latency after a good answer; after an error (5xx, 429, timeout, reset) double
        it, never shrink it, up to MAX_DELAY. The floor (min_delay, Crawl-delay) always holds."""
        state = self._host(host)
        latency = max(0.0, latency)
        if ok:
            state.adaptive = (state.adaptive + latency) / 2
        else:
            state.adaptive = min(MAX_DELAY, max(state.adaptive * 2, latency, self.min_delay))

    def delay_of(self, host: str) -> float:
        """The delay the next request to this host will wait after the previous one."""
        return max(self.min_delay, self._host(host).adaptive)

    def ready_at(self, host: str) -> float:
        """When the host's next request may start (clock time): after its delay or its pause."""
        return self._host(host).next_at

    def pause(self, host: str, seconds: float) -> None:
        """Nobody fetches from the host for `seconds` (Retry-After)."""
        state = self._host(host)
        state.next_at = max(state.next_at, self.clock.now() + min(seconds, MAX_PAUSE))


class _Slot:
    def __init__(self, gates: Gates, state: _Host, delay: float, host: str, max_wait: float) -> None:
        self.gates, self.state, self.delay = gates, state, delay
        self.host, self.max_wait = host, max_wait
        self.started = 0.0

    def __enter__(self) -> None:
        self.state.lock.acquire()
        wait = self.state.next_at - self.gates.clock.now()
        if wait > self.max_wait:
            self.state.lock.release()
            raise FetchError(f"{self.host}: its next turn is in {wait:.0f} s (Retry-After or Crawl-delay), more "
                             f"than a cycle waits ({self.max_wait:.0f} s); deferred to a later cycle",
                             url=self.host, reason=HOST_DEFERRED)
        if wait > 0:
            self.gates.clock.sleep(wait)
        self.started = self.gates.clock.now()

    def __exit__(self, *exc: object) -> None:
        # the delay runs from this request's start, as Scrapy's DOWNLOAD_DELAY does; the next request still
        # waits for this one to end (one in flight), and a slow server's adaptive delay grows to its latency
        delay = max(self.delay, self.state.adaptive)  # what this request taught us counts already
        spread = random.uniform(0, self.gates.jitter * delay) if self.gates.jitter else 0.0  # no draw for none
        self.state.next_at = max(self.state.next_at, self.started + delay + spread)
        self.state.lock.release()
