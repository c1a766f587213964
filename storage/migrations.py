"""Versioned schema migrations: numbered SQL files applied once each, recorded in schema_migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources

import duckdb

from cchc_monitor.errors import StorageError


def available() -> list[tuple[int, str, str]]:
    """(version, name, sql) for each file in storage/sql, in order."""
    found = []
    for entry in resources.files("storage").joinpath("sql").iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def applied(con: duckdb.DuckDBPyConnection) -> set[int]:
    """Versions already applied to this database."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    return {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}


def migrate(con: duckdb.DuckDBPyConnection, up_to: int | None = None) -> list[str]:
    """Apply pending migrations (up to version `up_to`, for tests that build an older database),
    each in its own transaction; return the names applied."""
    done = applied(con)
    names = []
    for version, name, sql in available():
        if version in done or (up_to is not None and version > up_to):
            continue
        try:
            con.execute("BEGIN TRANSACTION")
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                [version, name, datetime.now(UTC)],
            )
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise StorageError(f"migration {name} failed: {exc}") from exc
        names.append(name)
    return names
