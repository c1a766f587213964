"""`cchc-monitor sources`: list the monitored sources, check them against the live pages, resume one."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cchc_monitor.cli.common import DB_OPT, SOURCES_OPT, fail
from cchc_monitor.errors import MonitorError, ScrapeError
from cchc_monitor.models import SourceSpec
from cchc_monitor.settings import Settings

app = typer.Typer(help="The monitored sources: list them, or check them against the live pages.",
                  no_args_is_help=True)


def _specs(settings: Settings) -> list[SourceSpec]:
    from scrapers.sources import load_sources

    return load_sources(settings.sources_file, default_max_items=settings.max_items_per_source)


@app.command("list")
def sources_list(
    sources: Path | None = SOURCES_OPT,
    show_all: bool = typer.Option(False, "--all", help="Also show disabled sources."),
) -> None:
    """Show the sources: id, kind, level, province (and after 2025), CMS, URL."""
    try:
        specs = _specs(Settings.load(sources_file=sources))
    except MonitorError as exc:
        fail(exc)
    table = Table("id", "kind", "level", "province", "since 2025", "cms", "enabled", "url")
    for s in specs:
        if s.enabled or show_all:
            cells = (s.id, s.kind, s.level or "", s.province or "", s.province_current or "", s.cms or "",
                     "yes" if s.enabled else "no", s.url)
            table.add_row(*(Text(c) for c in cells))  # names from the file, never Rich markup
    Console(width=200).print(table)


@app.command("check")
def sources_check(
    ids: list[str] = typer.Argument(None, help="Source ids (default: every enabled source)."),
    sources: Path | None = SOURCES_OPT,
) -> None:
    """Fetch each source's feed or listing page now and say what it gives: items found, or why not."""
    import scrapers

    try:
        settings = Settings.load(sources_file=sources)
        specs = [s for s in _specs(settings) if (s.id in ids if ids else s.enabled)]
    except MonitorError as exc:
        fail(exc)
    policy = settings.fetch_policy()
    failed = 0
    for spec in specs:
        try:
            with scrapers.fetcher_for(spec, policy) as fetcher:
                found = scrapers.discover(fetcher, spec)
        except MonitorError as exc:
            failed += 1
            reason = exc.reason if isinstance(exc, ScrapeError) else "error"
            print(f"FAIL {spec.id}: {reason}: {exc}")
            continue
        first = found.items[0].title or found.items[0].url if found.items else "-"
        print(f"ok   {spec.id}: {len(found.items)} items; newest: {first}")
    print(f"{len(specs) - failed} ok, {failed} failed")
    if failed:
        raise typer.Exit(1)


@app.command("enable")
def sources_enable(
    source_id: str = typer.Argument(..., help="Id of a source the monitor paused (e.g. after HTTP 410 Gone)."),
    db: Path | None = DB_OPT,
) -> None:
    """Resume a source the monitor paused; it is tried again on the next cycle."""
    from storage.repository import Repository

    try:
        with Repository(Settings.load(db_path=db).db_path) as repo:
            resumed = repo.enable_source(source_id)
    except MonitorError as exc:
        fail(exc)
    if not resumed:
        print(f"source {source_id!r} is not paused (or not in the database)", file=sys.stderr)
        raise typer.Exit(1)
    print(f"{source_id}: enabled again; it is tried on the next cycle")
