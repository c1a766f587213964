"""The stream's writer thread: batches written one at a time, in order, while the stream goes on."""

from __future__ import annotations

import threading

import pytest

from flows.stream import BackgroundWrites, Batch

WAIT = 10.0  # a bound on waiting for another thread, reached only when the behaviour is broken


def _batch(tag: int) -> Batch:
    return Batch(failed=tag)  # the tag says which batch a write got


def test_a_hand_over_returns_while_its_batch_is_still_being_written() -> None:
    started, release, written = threading.Event(), threading.Event(), []

    def write(batch: Batch) -> None:
        started.set()
        assert release.wait(WAIT), "the stream never went on while a batch was written"
        written.append(batch.failed)

    with BackgroundWrites(write) as handoff:
        handoff(_batch(1))
        assert started.wait(WAIT)
        assert written == []  # the caller is back here, the write not done: the stream goes on meanwhile
        release.set()
    assert written == [1]  # leaving the block waited for it


def test_batches_are_written_one_at_a_time_in_the_order_given() -> None:
    written, running, most = [], [0], [0]
    lock = threading.Lock()

    def write(batch: Batch) -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        written.append(batch.failed)
        with lock:
            running[0] -= 1

    with BackgroundWrites(write) as handoff:
        for tag in range(20):
            handoff(_batch(tag))
    assert written == list(range(20))
    assert most[0] == 1


def test_a_failed_write_is_raised_by_the_next_hand_over_and_nothing_after_it_is_written() -> None:
    written = []

    def write(batch: Batch) -> None:
        if batch.failed == 2:
            raise OSError("disk full while writing batch 2")
        written.append(batch.failed)

    with pytest.raises(OSError, match="batch 2"), BackgroundWrites(write) as handoff:
        for tag in range(1, 5):
            handoff(_batch(tag))
    assert written == [1]


def test_a_failed_last_write_is_raised_by_wait() -> None:
    def write(batch: Batch) -> None:
        raise OSError("disk full")

    handoff = BackgroundWrites(write)
    with handoff:
        handoff(_batch(1))
        with pytest.raises(OSError, match="disk full"):
            handoff.wait()


def test_a_failing_stream_waits_for_the_write_in_progress_and_keeps_its_own_error(
        caplog: pytest.LogCaptureFixture) -> None:
    started, release, written = threading.Event(), threading.Event(), []

    def write(batch: Batch) -> None:
        started.set()
        assert release.wait(WAIT)
        written.append(batch.failed)
        if batch.failed == 2:
            raise OSError("the write failed too")

    def failing_stream(handoff: BackgroundWrites, tag: int) -> None:
        handoff(_batch(tag))
        assert started.wait(WAIT)
        release.set()
        raise ValueError("a page the stream could not handle")

    with pytest.raises(ValueError, match="could not handle"), BackgroundWrites(write) as handoff:
        failing_stream(handoff, 1)
    assert written == [1]  # the block ended only once the batch in progress was written

    started.clear()
    release.clear()
    with pytest.raises(ValueError, match="could not handle"), BackgroundWrites(write) as handoff:
        failing_stream(handoff, 2)
    assert written == [1, 2]
    assert "a batch write failed while the stream was failing" in caplog.text
