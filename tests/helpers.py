"""Small helpers for tests: writing sources files, running a cycle, reading the database."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from cchc_monitor.config import FetchPolicy
from cchc_monitor.models import CycleSummary
from cchc_monitor.settings import Settings
from storage.adhoc import run_query

UA = "CCHC-Monitor-test/1.0"
ROOT = Path(__file__).resolve().parents[1]  # the project
PAGES = ROOT / "tests" / "pages"  # portal pages we wrote in each platform's structure
SHARED = ROOT.parent / "shared"  # ../shared: read at run time, never copied


def write_sources(path: Path, sources: list[dict[str, Any]]) -> Path:
    """A sources YAML file with these entries."""
    path.write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True), encoding="utf-8")
    return path


def policy(**overrides: Any) -> FetchPolicy:
    """The default fetch policy (from Settings, where defaults live) with a test user agent and overrides."""
    return replace(Settings().fetch_policy(), user_agent=UA, **overrides)


def run_cycle(sources_file: Path, db_path: Path, notify_urls: list[str] | None = None, *,
              only_sources: list[str] | None = None, pages: int = 1, **settings: Any) -> CycleSummary:
    """One monitoring cycle through the real Prefect flow, without retry or politeness delays.

    The notify URLs reach the flow as they do in production: through this process's environment,
    never as a parameter."""
    from flows.cycle import monitor_cycle

    settings.setdefault("host_delay", 0.0)  # our loopback servers need no politeness delay; tests never wait
    settings.setdefault("revisit_hours", 0.0)  # cycles seconds apart stand for days apart: recent articles are re-read
    config = Settings.load(sources_file=sources_file, db_path=db_path, retry_delay=0.0, **settings).cycle_config()
    if only_sources:
        config = config.backfill(only_sources, pages)
    before = os.environ.get("CCHC_NOTIFY_URLS")
    os.environ["CCHC_NOTIFY_URLS"] = " ".join(notify_urls or [])
    try:
        return monitor_cycle(config)
    finally:
        os.environ.pop("CCHC_NOTIFY_URLS")
        if before is not None:
            os.environ["CCHC_NOTIFY_URLS"] = before


def query(db_path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of a query against the (closed) database file, through the read-only SQL surface."""
    return run_query(db_path, sql, limit=100_000)[1]


def age_reads(db_path: Path, hours: float) -> None:
    """Move back by `hours` when every page was last read, as if that many hours had passed since."""
    from storage.connection import connect

    con = connect(db_path)
    try:
        con.execute("UPDATE http_validators SET updated_at = updated_at - to_microseconds(?)",
                    [round(hours * 3600e6)])
    finally:
        con.close()
