"""The single place that opens DuckDB, translating its errors into our StorageError tree."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from cchc_monitor.errors import DatabaseBusyError, StorageError

log = logging.getLogger(__name__)
LOCK_HOLDER_RE = re.compile(r"Conflicting lock is held in (.+?) \(PID (\d+)\)")
# Readers (`cchc-monitor sql`, `export`) are stopped after at most READ_LIMIT_SECONDS, so a writer
# that finds only readers in the file waits a little longer than that for them, never failing on them.
READ_LIMIT_SECONDS = 300.0
WRITER_WAIT_SECONDS = READ_LIMIT_SECONDS + 60.0


def connect(path: Path | str, *, read_only: bool = False, wait: float = 0.0,
            sleep: Callable[[float], None] = time.sleep,
            clock: Callable[[], float] = time.monotonic) -> duckdb.DuckDBPyConnection:
    """Open the database file. A lock held by another writer is DatabaseBusyError at once; a writer
    held back only by readers retries for up to `wait` seconds before giving up the same way."""
    path = Path(path)
    if read_only and not path.exists():
        raise StorageError(f"database {path} does not exist yet: run `cchc-monitor run` first")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    started = clock()
    delay, waited = 0.05, False
    while True:
        try:
            return _open(path, read_only)
        except _Locked as locked:
            if read_only or not _only_readers(path):  # readers share the file: the holder is writing
                raise DatabaseBusyError(f"database {path} is busy: it is open for writing by {locked.holder}; "
                                        "retry when that process has finished") from locked
            if clock() + delay - started > wait:
                raise DatabaseBusyError(f"database {path} is busy: {locked.holder} has been reading it for "
                                        f"more than {wait:g} s; retry when that query has finished") from locked
            if not waited:
                log.warning("database %s is being read by %s; waiting up to %g s for it to finish",
                            path, locked.holder, wait)
        sleep(delay)
        delay, waited = min(delay * 2, 2.0), True


class _Locked(Exception):
    def __init__(self, holder: str) -> None:
        self.holder = holder


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        holder = LOCK_HOLDER_RE.search(str(exc))
        if holder:
            raise _Locked(f"{holder[1]} (PID {holder[2]})") from exc
        raise StorageError(f"cannot open database {path}: {exc}") from exc
    except duckdb.Error as exc:
        raise StorageError(f"cannot open database {path}: {exc}") from exc


def _only_readers(path: Path) -> bool:
    """True when the file can be opened read-only: whoever holds it is reading, not writing."""
    try:
        _open(path, read_only=True).close()
        return True
    except (_Locked, StorageError):
        return False


@contextmanager
def translate_errors(what: str) -> Iterator[None]:
    """Turn a DuckDB error raised while doing `what` into a StorageError."""
    try:
        yield
    except duckdb.Error as exc:
        raise StorageError(f"{what} failed: {exc}") from exc
