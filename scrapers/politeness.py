"""Per-host politeness: one request in flight, a minimum delay (robots Crawl-delay), Retry-After pauses.

Time comes from a Clock so tests run on a fake one and never wait.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Protocol

MAX_PAUSE = 24 * 3600.0


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


def backoff_delays(retries: int, base: float = 10.0, cap: float = 300.0) -> list[float]:
    """Capped exponential delays for successive retries (jitter is added by the scheduler)."""
    return [min(cap, base * 2**attempt) for attempt in range(retries)]


@dataclass
class _Host:
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_at: float = 0.0  # earliest time the next request may start


class Gates:
    """The politeness state of every host, shared by all fetches of one process."""

    def __init__(self, clock: Clock | None = None, min_delay: float = 1.0, jitter: float = 0.1) -> None:
        self.clock = clock or SystemClock()
        self.min_delay = min_delay
        self.jitter = jitter
        self._hosts: dict[str, _Host] = {}
        self._lock = threading.Lock()

    def _host(self, host: str) -> _Host:
        with self._lock:
            return self._hosts.setdefault(host, _Host())

    def hold(self, host: str, delay: float) -> _Slot:
        """Wait for the host's turn, then hold it (one request in flight) until the slot closes."""
        return _Slot(self, self._host(host), max(delay, self.min_delay))

    def pause(self, host: str, seconds: float) -> None:
        """Nobody fetches from the host for `seconds` (Retry-After)."""
        state = self._host(host)
        state.next_at = max(state.next_at, self.clock.now() + min(seconds, MAX_PAUSE))


class _Slot:
    def __init__(self, gates: Gates, state: _Host, delay: float) -> None:
        self.gates, self.state, self.delay = gates, state, delay

    def __enter__(self) -> None:
        self.state.lock.acquire()
        wait = self.state.next_at - self.gates.clock.now()
        if wait > 0:
            self.gates.clock.sleep(wait)

    def __exit__(self, *exc: object) -> None:
        spread = random.uniform(0, self.gates.jitter * self.delay)
        self.state.next_at = max(self.state.next_at, self.gates.clock.now() + self.delay + spread)
        self.state.lock.release()
