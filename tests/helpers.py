"""Small helpers for tests: writing sources files, running a cycle, reading the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from storage.adhoc import run_query


def write_sources(path: Path, sources: list[dict[str, Any]]) -> Path:
    """A sources YAML file with these entries."""
    path.write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True), encoding="utf-8")
    return path


def run_cycle(sources_file: Path, db_path: Path, notify_urls: list[str] | None = None, **kw: Any) -> dict[str, Any]:
    """One monitoring cycle through the real Prefect flow, without retry delays."""
    from flows.cycle import monitor_cycle

    kw.setdefault("host_delay", 0.0)  # our loopback servers need no politeness delay; tests never wait
    return monitor_cycle(sources_file=str(sources_file), db_path=str(db_path),
                         notify_urls=notify_urls or [], retry_delay_seconds=0, **kw)


def query(db_path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of a query against the (closed) database file, through the read-only SQL surface."""
    return run_query(db_path, sql, limit=100_000)[1]
