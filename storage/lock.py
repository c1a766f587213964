"""One cycle per database file at a time: a lock file held for the whole cycle, so two never interleave.

DuckDB already refuses a second writer at the moment of a write; this lock makes a second cycle
(a manual `run` while the scheduled one works, or two deployments) stop before it fetches anything,
with a message naming the cycle that holds the file.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from cchc_monitor.errors import CycleBusyError, StorageError


def lock_path(db_path: Path) -> Path:
    """The lock file of a database file (beside it)."""
    return db_path.with_name(db_path.name + ".cycle.lock")


def holder(db_path: Path) -> str | None:
    """Who holds the cycle lock of this database ("PID 1234 since 2026-12-01 06:30:02 UTC"), or None."""
    path = lock_path(db_path)
    if not path.exists():
        return None
    with path.open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)  # refused only while a cycle holds it
        except BlockingIOError:
            handle.seek(0)
            return _describe(handle.read())
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None


def _describe(text: str) -> str:
    try:
        info = json.loads(text)
        return f"PID {info['pid']} since {info['since']}"
    except (ValueError, KeyError, TypeError):
        return "another process"


@contextmanager
def cycle_lock(db_path: Path) -> Iterator[None]:
    """Hold the cycle lock of this database for the block; if another cycle holds it, raise
    CycleBusyError at once (the cycle is skipped, nothing is fetched or written)."""
    path = lock_path(db_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+", encoding="utf-8")
    except OSError as exc:
        raise StorageError(f"{path}: cannot create the cycle lock ({exc.strerror or exc})") from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released by the kernel if this process dies
        except BlockingIOError:
            handle.seek(0)
            raise CycleBusyError(f"another cycle is running on {db_path} ({_describe(handle.read())}); "
                                 "this one is skipped") from None  # nothing to chain: the lock is simply taken
        handle.truncate(0)
        handle.write(json.dumps({"pid": os.getpid(), "since": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")}))
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def delivery_lock(db_path: Path) -> Iterator[bool]:
    """Hold the delivery lock of this database for the block: one process sends at a time, with no database
    lock held while it does. Yields False (nothing to hold) when another process is delivering; the
    kernel releases the lock of a process that dies, so what a killed sender left pending is sent later."""
    path = db_path.with_name(db_path.name + ".delivery.lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+", encoding="utf-8")
    except OSError as exc:
        raise StorageError(f"{path}: cannot create the delivery lock ({exc.strerror or exc})") from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
