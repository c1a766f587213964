"""The single place that opens DuckDB, translating its errors into our StorageError tree."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from cchc_monitor.errors import DatabaseBusyError, StorageError

LOCK_HOLDER_RE = re.compile(r"Conflicting lock is held in (.+?) \(PID (\d+)\)")


def connect(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the database file; a lock held by another process becomes DatabaseBusyError."""
    path = Path(path)
    if read_only and not path.exists():
        raise StorageError(f"database {path} does not exist yet: run `cchc-monitor run` first")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        holder = LOCK_HOLDER_RE.search(str(exc))
        if holder:
            raise DatabaseBusyError(
                f"database {path} is busy: it is open for writing by {holder[1]} (PID {holder[2]}); "
                "retry when that process has finished"
            ) from None
        raise StorageError(f"cannot open database {path}: {exc}") from None
    except duckdb.Error as exc:
        raise StorageError(f"cannot open database {path}: {exc}") from None


@contextmanager
def translate_errors(what: str) -> Iterator[None]:
    """Turn a DuckDB error raised while doing `what` into a StorageError."""
    try:
        yield
    except duckdb.Error as exc:
        raise StorageError(f"{what} failed: {exc}") from exc
