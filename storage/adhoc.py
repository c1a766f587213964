"""Read-only ad-hoc SQL for users: SELECT-style statements only, on a read-only connection."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Sequence

import duckdb

from cchc_monitor.errors import QueryError
from storage.connection import connect

# Statements a user may run: queries and inspection, never writes, ATTACH, INSTALL or COPY.
ALLOWED_RE = re.compile(r"^\s*(?:--[^\n]*\n\s*)*(?:select|with|from|describe|show|summarize|explain|pragma\s+table_info)\b", re.I)


def run_query(
    db_path: Path | str, sql: str, params: Sequence[Any] = (), limit: int = 1000
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one read-only statement; return (column names, at most `limit` rows)."""
    if not ALLOWED_RE.match(sql) or ";" in sql.strip().rstrip(";"):
        raise QueryError("only one SELECT, WITH, DESCRIBE, SHOW or SUMMARIZE statement is allowed")
    con = connect(db_path, read_only=True)
    try:
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        cur = con.execute(sql, list(params))
        columns = [d[0] for d in cur.description or []]
        rows = cur.fetchmany(limit)
        return columns, rows
    except duckdb.Error as exc:
        raise QueryError(f"query failed: {exc}") from None
    finally:
        con.close()
