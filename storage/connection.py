"""The single place that opens DuckDB, translating its errors into our StorageError tree."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from cchc_monitor.errors import DatabaseBusyError, StorageError

log = logging.getLogger(__name__)
LOCK_HOLDER_RE = re.compile(r"Conflicting lock is held in (.+?) \(PID (\d+)\)")
# Readers (`cchc-monitor sql`, `export`) are stopped after at most READ_LIMIT_SECONDS, so a writer
# that finds only readers in the file waits a little longer than that for them, never failing on them.
READ_LIMIT_SECONDS = 300.0
WRITER_WAIT_SECONDS = READ_LIMIT_SECONDS + 60.0


def connect(path: Path | str, *, read_only: bool = False, wait: float = 0.0, external_access: bool = True,
            wait_for_writer: bool = False, sleep: Callable[[float], None] = time.sleep,
            clock: Callable[[], float] = time.monotonic) -> duckdb.DuckDBPyConnection:
    """Open the database file. A lock held by another writer is DatabaseBusyError at once; a writer
    held back only by readers retries for up to `wait` seconds before giving up the same way. A file
    that is not a DuckDB database, or a damaged one, is a StorageError and is never written to.
    `external_access=False`: the connection reads no other file and no URL (users' ad-hoc SQL).
    `wait_for_writer`: another writer is waited for too (for up to `wait` s), for short writes that must
    land, such as recording that a message went out."""
    path = Path(path)
    if read_only and not path.exists():
        raise StorageError(f"database {path} does not exist yet: run `cchc-monitor run` first")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    started = clock()
    delay, waited = 0.05, False
    while True:
        try:
            return _open(path, read_only, external_access)
        except _Locked as locked:
            if (read_only or not _only_readers(path)) and not wait_for_writer:  # readers share the file
                raise DatabaseBusyError(f"database {path} is busy: it is open for writing by {locked.holder}; "
                                        "retry when that process has finished") from locked
            if clock() + delay - started > wait:
                raise DatabaseBusyError(f"database {path} is busy: {locked.holder} has been using it for "
                                        f"more than {wait:g} s; retry when it has finished") from locked
            if not waited:
                log.warning("database %s is being read by %s; waiting up to %g s for it to finish",
                            path, locked.holder, wait)
        sleep(delay)
        delay, waited = min(delay * 2, 2.0), True


class _Locked(Exception):
    def __init__(self, holder: str) -> None:
        self.holder = holder


# No extension is ever installed or loaded behind our back (DuckDB would fetch one from the internet
# to read, say, a SQLite file given as the database); set when the connection is made, before any file is read.
SAFE_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False, "autoload_known_extensions": False, "allow_community_extensions": False}
# A writer's checkpoint writes only what its window added, and a window's table buffers are bounded.
# DuckDB 2.0 appends each window's rows as new row groups and, by default, its checkpoints merge adjacent
# ones like a binary counter: every 2nd, 4th, 8th ... window rewrote all the rows merged so far, held in
# memory (+341 MB and 2.7 s in the close at 64,000 articles). Without merges the key columns that a
# window's anti-joins and look-ups scan take more buffers (147 against 34 MB at 35,000 articles), which
# DuckDB evicts and reads again under a 128 MB limit (its default: 80 % of RAM; operators spill to
# `<database>.tmp` beyond it). A row group whose rows are all deleted (a day's pruned band keys) is
# still dropped and its blocks reused. Measured: docs/scale-benchmarks.md, item 28.
WRITER_CONFIG: dict[str, str | bool | int | float | list[str]] = {"max_vacuum_tasks": 0, "memory_limit": "128MB"}
# A DuckDB file carries this at byte 8 of its first block; SQLite's files start with their own.
DUCKDB_MAGIC, MAGIC_OFFSET = b"DUCK", 8
SQLITE_MAGIC = b"SQLite format 3\x00"


def memory(*, external_access: bool = True) -> duckdb.DuckDBPyConnection:
    """An in-memory database with the same safe configuration (no extension loaded behind our back)."""
    return duckdb.connect(":memory:", config={**SAFE_CONFIG, "enable_external_access": external_access})


def _check_file(path: Path) -> None:
    """Refuse, before DuckDB reads it, a file that is not a DuckDB database (it is never written to)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(MAGIC_OFFSET + len(DUCKDB_MAGIC))
    except FileNotFoundError:
        return  # a new database
    except IsADirectoryError:
        raise StorageError(f"database {path} is a directory, not a DuckDB file") from None
    except OSError as exc:
        raise StorageError(f"cannot open database {path}: {exc.strerror or exc}") from None
    if not head:
        return  # an empty file: DuckDB makes a database of it
    if head.startswith(SQLITE_MAGIC[:len(head)]) and len(head) >= 6:
        raise StorageError(f"database {path} is a SQLite database, not DuckDB; it was left untouched: "
                           "give the monitor's own database file (CCHC_DB_PATH)")
    if head[MAGIC_OFFSET:MAGIC_OFFSET + len(DUCKDB_MAGIC)] != DUCKDB_MAGIC:
        raise StorageError(f"database {path} is not a DuckDB database file; it was left untouched: "
                           "give the monitor's own database file (CCHC_DB_PATH)")


def _damaged(path: Path, exc: duckdb.Error) -> StorageError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return StorageError(f"database {path} is damaged or unreadable ({first}); it was left untouched: "
                        "restore it from a backup, or move it away to start a new one")


def _open(path: Path, read_only: bool, external_access: bool = True) -> duckdb.DuckDBPyConnection:
    _check_file(path)
    try:
        return duckdb.connect(str(path), read_only=read_only,
                              config={**SAFE_CONFIG, **({} if read_only else WRITER_CONFIG),
                                      "enable_external_access": external_access})
    except duckdb.IOException as exc:
        holder = LOCK_HOLDER_RE.search(str(exc))
        if holder:
            raise _Locked(f"{holder[1]} (PID {holder[2]})") from exc
        raise _damaged(path, exc) from exc
    except duckdb.Error as exc:
        raise _damaged(path, exc) from exc


def _only_readers(path: Path) -> bool:
    """True when the file can be opened read-only: whoever holds it is reading, not writing."""
    try:
        _open(path, read_only=True).close()
        return True
    except (_Locked, StorageError):
        return False


def check_database(path: Path | str) -> None:
    """Raise StorageError at once if the file is there but is not a readable DuckDB database (a cycle's
    preflight: before Prefect starts); a new file, or one busy with another process, passes."""
    path = Path(path)
    if not path.exists():
        return
    try:
        _open(path, read_only=True).close()
    except _Locked:
        return  # in use: whoever holds it can read it; the cycle waits or reports it busy


@contextmanager
def translate_errors(what: str) -> Iterator[None]:
    """Turn a DuckDB error raised while doing `what` into a StorageError."""
    try:
        yield
    except duckdb.Error as exc:
        raise StorageError(f"{what} failed: {exc}") from exc


def read_rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object], what: str) -> list[tuple[Any, ...]]:
    """The rows of a read. One that runs out of a writer's memory bound (an operator that cannot spill, as
    the earlier reports' window functions at 64 MB with 23,000 articles) is read again under DuckDB's
    default limit, 80 % of RAM, then the writers' bound is set again: a read is safe to repeat, and a bound
    that failed the cycle on one query would fail every cycle after it."""
    try:
        return con.execute(sql, list(params)).fetchall()
    except duckdb.OutOfMemoryException:
        bound = _memory_limit(con)
        con.execute("RESET memory_limit")
        if _memory_limit(con) == bound:  # no bound of ours: the machine's own limit
            raise
        log.warning("%s ran out of DuckDB's memory bound (%s); read again without it", what, bound)
        try:
            return con.execute(sql, list(params)).fetchall()
        finally:
            con.execute(f"SET memory_limit = '{WRITER_CONFIG['memory_limit']}'")


def _memory_limit(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT current_setting('memory_limit')").fetchone()
    return str(row[0]) if row else ""
