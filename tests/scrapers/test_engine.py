"""The host scheduler: many hosts at once, one job per host at a time, each when its gate allows."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

from scrapers import engine
from scrapers.engine import HostScheduler
from scrapers.politeness import Gates
from tests.scrapers.servers import FakeClock


class Tracker:
    """Counts jobs running per host, and the most ever running at once per host and in all."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running: Counter[str] = Counter()
        self.most: Counter[str] = Counter()
        self.most_overall = 0

    def job(self, host: str, value: object, barrier: threading.Barrier | None = None) -> object:
        def run() -> object:
            with self.lock:
                self.running[host] += 1
                self.most[host] = max(self.most[host], self.running[host])
                self.most_overall = max(self.most_overall, sum(self.running.values()))
            try:
                if barrier is not None:
                    barrier.wait()  # returns only when as many jobs of different hosts run at once
                return value
            finally:
                with self.lock:
                    self.running[host] -= 1
        return run


def test_jobs_of_different_hosts_run_at_once_and_each_host_one_at_a_time() -> None:
    gates = Gates(FakeClock(), min_delay=0.0, jitter=0.0)
    tracker, hosts = Tracker(), [f"h{i}" for i in range(6)]
    barrier = threading.Barrier(len(hosts), timeout=30)  # broken (an error) unless all six hosts run together
    with HostScheduler(gates, workers=8) as scheduler:
        for round_ in range(3):
            for host in hosts:
                scheduler.submit(host, tracker.job(host, (host, round_), barrier if round_ == 0 else None),
                                 tag=(host, round_))
        done = list(scheduler.results())
    assert all(d.error is None for d in done), [d.error for d in done]
    assert sorted(d.result for d in done) == sorted((h, r) for h in hosts for r in range(3))  # type: ignore[type-var]
    assert tracker.most_overall == len(hosts)
    assert set(tracker.most.values()) == {1}
    # each host's jobs ran in the order they were queued
    order = [d.tag for d in done]
    for host in hosts:
        assert [r for h, r in order if h == host] == [0, 1, 2]


def test_a_job_waits_for_its_hosts_gate_and_its_own_not_before() -> None:
    clock = FakeClock()
    gates = Gates(clock, min_delay=0.0, jitter=0.0)
    gates.pause("slow", 50.0)  # Retry-After: nothing for 50 s
    started: dict[str, float] = {}

    def at(name: str) -> object:
        return lambda: started.setdefault(name, clock.t)

    with HostScheduler(gates, workers=4, clock=clock) as scheduler:
        scheduler.submit("slow", at("slow"))
        scheduler.submit("later", at("later"), not_before=clock.t + 20.0)
        scheduler.submit("now", at("now"))
        list(scheduler.results())
    assert started["now"] == pytest.approx(1000.0, abs=1e-6)
    assert started["later"] == pytest.approx(1020.0, abs=1e-6)
    assert started["slow"] == pytest.approx(1050.0, abs=1e-6)
    assert clock.sleeps and max(clock.sleeps) <= 30.0 + 1e-6  # slept until the next due host, never past it


def test_a_failing_job_is_handed_back_and_the_others_go_on() -> None:
    def boom() -> object:
        raise ValueError("broken page")

    drained: list[str] = []
    with HostScheduler(Gates(FakeClock(), min_delay=0.0), workers=2, on_drain=drained.append) as scheduler:
        scheduler.submit("a", boom, tag="bad")
        scheduler.submit("a", lambda: "fine", tag="good")
        scheduler.submit("b", lambda: "other", tag="b")
        done = {d.tag: d for d in scheduler.results()}
    assert isinstance(done["bad"].error, ValueError) and done["bad"].result is None
    assert done["good"].result == "fine" and done["b"].result == "other"
    assert sorted(drained) == ["a", "b"]  # each host's connections can close once its queue is empty


def test_jobs_submitted_while_results_are_read_are_run_too() -> None:
    with HostScheduler(Gates(FakeClock(), min_delay=0.0), workers=2) as scheduler:
        scheduler.submit("feed", lambda: ["x", "y"], tag="feed")
        seen = []
        for done in scheduler.results():
            seen.append(done.tag)
            if done.tag == "feed":
                for link in done.result:  # type: ignore[union-attr]
                    scheduler.submit("site", lambda link=link: link, tag=link)
    assert seen == ["feed", "x", "y"]


def test_no_more_jobs_run_at_once_than_there_are_workers() -> None:
    tracker = Tracker()
    with HostScheduler(Gates(FakeClock(), min_delay=0.0), workers=3) as scheduler:
        for i in range(30):
            scheduler.submit(f"h{i}", tracker.job(f"h{i}", i))
        assert len(list(scheduler.results())) == 30
        assert scheduler.most_in_flight <= 3
    assert tracker.most_overall <= 3


def test_at_most_max_open_idle_fetchers_are_kept_the_least_recently_used_closed() -> None:
    from cchc_monitor.config import FetchPolicy
    from cchc_monitor.models import SourceSpec
    from scrapers.engine import Fetchers
    from scrapers.fetch import RobotsCache

    policy = FetchPolicy(user_agent="CCHC-Monitor-test", timeout=1.0, deadline=1.0, host_delay=0.0)
    fetchers = Fetchers(policy, Gates(FakeClock(), min_delay=0.0), RobotsCache(), max_open=2)
    spec = SourceSpec(id="s", name="Nguồn", kind="rss", url="http://127.0.0.1/rss")
    used = [fetchers.run(host, spec, lambda f: f) for host in ("a", "b", "a", "c")]
    assert used[0] is used[2]  # an open host's fetcher is reused
    assert used[1].client.is_closed and not used[0].client.is_closed and not used[3].client.is_closed
    fetchers.close()
    assert used[0].client.is_closed and used[3].client.is_closed


def test_the_default_tls_context_is_made_once_when_many_jobs_ask_for_it_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[int] = []

    def slow_context() -> object:  # loading a CA bundle takes a while: the others ask meanwhile
        made.append(threading.get_ident())
        ready.wait(0.2)
        return object()

    monkeypatch.setattr(engine, "tls_context", slow_context)
    engine._default_tls.cache_clear()
    ready, start = threading.Event(), threading.Barrier(8)
    got: list[object] = []
    threads = [threading.Thread(target=lambda: (start.wait(), got.append(engine.default_tls()))) for _ in range(8)]
    try:
        for thread in threads:
            thread.start()
        start_all = threading.Timer(0.05, ready.set)
        start_all.start()
        for thread in threads:
            thread.join()
    finally:
        engine._default_tls.cache_clear()
    assert len(made) == 1 and len(got) == 8 and all(c is got[0] for c in got)


def _until_finished(scheduler: HostScheduler[object]) -> None:
    """Wait (yielding the processor) until every started job has finished: a caller slower than any job."""
    spins = 0
    while scheduler._done.qsize() < scheduler.in_flight:
        spins += 1
        assert spins < 10_000_000, "a started job never finished"
        time.sleep(0)


def test_fewer_jobs_are_started_while_finished_ones_wait_for_a_slow_caller() -> None:
    with HostScheduler(Gates(FakeClock(), min_delay=0.0), workers=16, ahead=4) as scheduler:
        for i in range(200):
            scheduler.submit(f"h{i}", lambda i=i: i, tag=i)
        held: list[int] = []
        results: list[object] = []
        for done in scheduler.results():
            assert done.error is None
            results.append(done.result)
            _until_finished(scheduler)
            held.append(scheduler.in_flight)  # finished, not yet taken: pages kept in memory
    assert sorted(results) == list(range(200))  # type: ignore[type-var]  # every job ran, once
    assert max(held[:3]) >= 13  # all 16 workers started at first
    assert max(held[20:]) <= 4  # then no more than `ahead` waiting for a caller that is behind


def test_a_caller_that_finds_nothing_waiting_gets_more_jobs_running_again() -> None:
    scheduler = HostScheduler(Gates(FakeClock(), min_delay=0.0), workers=16, ahead=4)
    try:
        scheduler.limit = 4  # shrunk while the caller was behind
        for _ in range(12):
            scheduler._adapt(0)  # each time the caller took the last waiting result
        assert scheduler.limit == 16  # never past the workers
        for _ in range(30):
            scheduler._adapt(9)
        assert scheduler.limit == 4  # never below `ahead`
        scheduler._adapt(2)
        assert scheduler.limit == 4  # some waiting, fewer than `ahead`: unchanged
    finally:
        scheduler.close()
