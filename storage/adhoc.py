"""Read-only ad-hoc SQL for users: SELECT-style statements only, on a read-only connection."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from cchc_monitor.errors import QueryError
from storage.connection import READ_LIMIT_SECONDS, connect

# Statements a user may run: queries and inspection, never writes, ATTACH, INSTALL or COPY.
ALLOWED_RE = re.compile(
    r"^\s*(?:--[^\n]*\n\s*)*(?:select|with|from|describe|show|summarize|explain|pragma\s+table_info)\b", re.I
)


VIEW_NAME_RE = re.compile(r"v_[a-z0-9_]+")


class QueryResult(tuple[list[str], list[tuple[Any, ...]]]):
    """The answer to one query: the pair (column names, rows), so `columns, rows = run_query(...)`
    works, and `truncated`, true when the statement had more rows than the limit and those were left out."""

    truncated: bool

    def __new__(cls, columns: list[str], rows: list[tuple[Any, ...]], truncated: bool = False) -> QueryResult:
        result = super().__new__(cls, (columns, rows))
        result.truncated = truncated
        return result

    @property
    def columns(self) -> list[str]:
        """The column names, in order."""
        return self[0]

    @property
    def rows(self) -> list[tuple[Any, ...]]:
        """At most `limit` rows."""
        return self[1]

    def __repr__(self) -> str:
        return f"QueryResult(columns={self[0]!r}, rows={self[1]!r}, truncated={self.truncated!r})"


def run_query(
    db_path: Path | str, sql: str, params: Sequence[Any] = (), limit: int = 1000, timeout: float = 30.0
) -> QueryResult:
    """Run one read-only statement; return its column names and at most `limit` rows, and whether
    more rows were left out (`truncated`: one row past the limit is fetched to tell).

    A query still running after `timeout` seconds (at most READ_LIMIT_SECONDS) is interrupted, so
    a cycle waiting to write is held back no longer than that.
    """
    if limit < 1:
        raise QueryError(f"the row limit must be at least 1, not {limit}")
    if not 0 < timeout <= READ_LIMIT_SECONDS:
        raise QueryError(f"the time limit must be between 0 and {READ_LIMIT_SECONDS:g} seconds, not {timeout:g}")
    if not ALLOWED_RE.match(sql) or ";" in sql.strip().rstrip(";"):
        raise QueryError("only one SELECT, WITH, DESCRIBE, SHOW or SUMMARIZE statement is allowed")
    con = connect(db_path, read_only=True, external_access=False)  # no file, URL or extension from the start
    try:
        con.execute("SET lock_configuration = true")
        with _time_limit(con, timeout):
            cur = con.execute(sql, list(params))
            columns = [d[0] for d in cur.description or []]
            rows = cur.fetchmany(limit + 1)
        return QueryResult(columns, rows[:limit], truncated=len(rows) > limit)
    except duckdb.InterruptException as exc:
        raise QueryError(f"query stopped after {timeout:g} s (time limit); narrow it down") from exc
    except duckdb.Error as exc:
        raise QueryError(f"query failed: {exc}") from exc
    finally:
        con.close()


@contextmanager
def _time_limit(con: duckdb.DuckDBPyConnection, seconds: float) -> Iterator[None]:
    """Interrupt whatever `con` is running once `seconds` have passed."""
    timer = threading.Timer(seconds, con.interrupt)
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def export_views(db_path: Path | str, folder: Path, fmt: str) -> list[Path]:
    """Write every v_* view to folder/<view>.<fmt> (parquet or csv); return the files written. The target
    path is a bound parameter, never part of the statement's text (a folder may be named anything)."""
    if fmt not in ("parquet", "csv"):
        raise QueryError("export format must be parquet or csv")
    folder.mkdir(parents=True, exist_ok=True)
    con = connect(db_path, read_only=True)
    try:
        views = [r[0] for r in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal AND view_name LIKE 'v\\_%' ESCAPE '\\' "
            "ORDER BY 1").fetchall()]
        written = []
        options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"  # one of two constants
        with _time_limit(con, READ_LIMIT_SECONDS):
            for view in views:
                if not VIEW_NAME_RE.fullmatch(view):  # names come from the schema, but are quoted all the same
                    continue
                target = folder / f"{view}.{fmt}"
                con.execute(f'COPY (SELECT * FROM "{view}") TO $1 ({options})', [target.as_posix()])
                written.append(target)
        return written
    except duckdb.InterruptException as exc:
        raise QueryError(f"export stopped after {READ_LIMIT_SECONDS:g} s (time limit): a cycle may be waiting "
                         "to write; export again later") from exc
    except duckdb.Error as exc:
        raise QueryError(f"export failed: {exc}") from exc
    finally:
        con.close()
