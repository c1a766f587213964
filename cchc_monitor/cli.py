"""The `cchc-monitor` console command: run, demo, analyze, sql (settings are read here, at the edge)."""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path
from typing import Any, Callable, Optional

import typer
from rich.console import Console
from rich.table import Table

from cchc_monitor.errors import MonitorError
from cchc_monitor.settings import Settings

app = typer.Typer(help="CCHC Monitor: watches Vietnamese portals for administrative-reform news.",
                  no_args_is_help=True, add_completion=False)
err = Console(stderr=True)

# Prefect's local ephemeral API: a cold start takes 10-30 s here (default limit 20 s); no telemetry.
# The throwaway server logs tracebacks for events still in flight when it is stopped at the end of
# a cycle; they say nothing about the cycle, so only its critical messages are shown.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}

SOURCES_OPT = typer.Option(None, "--sources", help="Sources YAML file [env CCHC_SOURCES_FILE].")
DB_OPT = typer.Option(None, "--db", help="DuckDB file [env CCHC_DB_PATH].")


def _fail(exc: MonitorError) -> None:
    err.print(f"[red]error:[/red] {exc}", highlight=False, markup=True)
    raise typer.Exit(2)


def _print_summary(summary: dict[str, Any], db_path: Path) -> None:
    print(f"run {summary['run_id']}")
    print(f"  sources tried {summary['sources_tried']}, failed {summary['sources_failed']}")
    print(f"  articles new {summary['articles_new']}, already seen {summary['articles_duplicate']}, "
          f"re-read {summary['articles_unchanged']}, revised {summary['articles_revised']}, "
          f"failed {summary['articles_failed']}")
    print(f"  stories new {summary['stories_new']}, copies of known stories {summary['story_copies']}")
    if summary.get("sources_paused"):
        print(f"  paused (410 Gone; `sources enable ID` resumes): {', '.join(summary['sources_paused'])}")
    print(f"  facts found {summary['facts']}")
    print(f"  alerts sent {summary['alerts_sent']}, queued {summary['alerts_queued']}")
    for failure in summary["failures"]:
        print(f"  ! {failure['source']}: {failure['reason']}: {failure['detail']}")
    print(f"  database {db_path}")


def run_cycle(settings: Settings, retry_delay_seconds: float = 10.0, only_sources: list[str] | None = None,
              pages: int = 1) -> dict[str, Any]:
    """Run one monitoring cycle (or a backfill) as a Prefect flow with these settings."""
    for name, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(name, value)
    from flows.scheduled import run_with_settings  # Prefect is imported only when a cycle runs

    return run_with_settings(settings, retry_delay_seconds, only_sources, pages)


@app.command()
def run(sources: Optional[Path] = SOURCES_OPT, db: Optional[Path] = DB_OPT) -> None:
    """Run one monitoring cycle over the sources into the database, then print a summary."""
    try:
        settings = Settings.load(sources_file=sources, db_path=db)
        summary = run_cycle(settings)
    except MonitorError as exc:
        _fail(exc)
        return
    _print_summary(summary, settings.db_path)
    if summary["sources_tried"] and summary["sources_failed"] == summary["sources_tried"]:
        print(f"\nNo source was reachable ({summary['sources_failed']} of {summary['sources_tried']} failed; "
              "is this machine offline?). The reason for each source is in the fetch log:\n"
              f"  cchc-monitor sql \"select * from v_source_health\" --db {settings.db_path}\n"
              "To see a whole cycle without internet, run `make demo`.")


@app.command()
def backfill(
    source: list[str] = typer.Option(..., "--source", help="Source id to backfill (repeatable)."),
    pages: int = typer.Option(5, "--pages", min=1, max=200, help="Listing pages to walk back through."),
    sources: Optional[Path] = SOURCES_OPT, db: Optional[Path] = DB_OPT,
) -> None:
    """Walk a source's listing back N pages and store every article not seen yet (same cycle as run)."""
    try:
        settings = Settings.load(sources_file=sources, db_path=db)
        summary = run_cycle(settings, only_sources=source, pages=pages)
    except MonitorError as exc:
        _fail(exc)
        return
    _print_summary(summary, settings.db_path)


sources_app = typer.Typer(help="The monitored sources: list them, or check them against the live pages.",
                          no_args_is_help=True)
app.add_typer(sources_app, name="sources")


@sources_app.command("list")
def sources_list(
    sources: Optional[Path] = SOURCES_OPT,
    show_all: bool = typer.Option(False, "--all", help="Also show disabled sources."),
) -> None:
    """Show the sources: id, kind, level, province (and after 2025), CMS, URL."""
    from scrapers.sources import load_sources

    try:
        specs = load_sources(Settings.load(sources_file=sources).sources_file)
    except MonitorError as exc:
        _fail(exc)
        return
    table = Table("id", "kind", "level", "province", "since 2025", "cms", "enabled", "url")
    for s in specs:
        if s.enabled or show_all:
            table.add_row(s.id, s.kind, s.level or "", s.province or "", s.province_current or "", s.cms or "",
                          "yes" if s.enabled else "no", s.url)
    Console(width=200).print(table)


@sources_app.command("check")
def sources_check(
    ids: list[str] = typer.Argument(None, help="Source ids (default: every enabled source)."),
    sources: Optional[Path] = SOURCES_OPT,
) -> None:
    """Fetch each source's feed or listing page now and say what it gives: items found, or why not."""
    import scrapers
    from scrapers.sources import load_sources

    try:
        settings = Settings.load(sources_file=sources)
        specs = [s for s in load_sources(settings.sources_file) if (s.id in ids if ids else s.enabled)]
    except MonitorError as exc:
        _fail(exc)
        return
    policy = scrapers.FetchPolicy(user_agent=settings.user_agent, timeout=settings.http_timeout,
                                  deadline=settings.request_deadline, host_delay=settings.host_delay)
    failed = 0
    for spec in specs:
        try:
            with scrapers.fetcher_for(spec, policy) as fetcher:
                found = scrapers.discover(fetcher, spec)
        except MonitorError as exc:
            failed += 1
            print(f"FAIL {spec.id}: {getattr(exc, 'reason', 'error')}: {exc}")
            continue
        first = found.items[0].title or found.items[0].url if found.items else "-"
        print(f"ok   {spec.id}: {len(found.items)} items; newest: {first}")
    print(f"{len(specs) - failed} ok, {failed} failed")
    if failed:
        raise typer.Exit(1)


@sources_app.command("enable")
def sources_enable(
    source_id: str = typer.Argument(..., help="Id of a source the monitor paused (e.g. after HTTP 410 Gone)."),
    db: Optional[Path] = DB_OPT,
) -> None:
    """Resume a source the monitor paused; it is tried again on the next cycle."""
    from storage.repository import Repository

    try:
        with Repository(Settings.load(db_path=db).db_path) as repo:
            resumed = repo.enable_source(source_id)
    except MonitorError as exc:
        _fail(exc)
        return
    if not resumed:
        print(f"source {source_id!r} is not paused (or not in the database)", file=sys.stderr)
        raise typer.Exit(1)
    print(f"{source_id}: enabled again; it is tried on the next cycle")


@app.command()
def export(
    folder: Path = typer.Argument(..., help="Folder to write one file per view into."),
    fmt: str = typer.Option("parquet", "--format", help="parquet or csv."),
    db: Optional[Path] = DB_OPT,
) -> None:
    """Write every documented view (v_*) to FOLDER as Parquet or CSV, for spreadsheets and BI tools."""
    from storage.adhoc import export_views

    try:
        written = export_views(Settings.load(db_path=db).db_path, folder, fmt)
    except MonitorError as exc:
        _fail(exc)
        return
    for path in written:
        print(path)


@app.command()
def demo(keep_serving: bool = typer.Option(False, "--serve", help="Keep the demo portal running afterwards.")) -> None:
    """Serve a demo portal on 127.0.0.1 and run a full cycle against it; alerts go to a local mailbox."""
    from cchc_monitor.demo.runner import run_demo

    try:
        run_demo(Path("data/demo"), keep_serving=keep_serving, report=_print_summary)
    except MonitorError as exc:
        _fail(exc)


def _read_input(path: Path) -> tuple[str, str | None, bool]:
    """(content, url, is_html) of one analyze input file."""
    raw = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        data = json.loads(raw)
        if not isinstance(data, dict) or not (data.get("text") or data.get("html")):
            raise ValueError('expected a JSON object with "text" or "html"')
        if data.get("text"):
            return data["text"], data.get("url"), False
        return data["html"], data.get("url"), True
    return raw, None, path.suffix.lower() in {".html", ".htm"}


def _html_to_text(html: str, url: str | None) -> str:
    from scrapers.article import page_text

    return page_text(html, url or "")


def _json_lines(paths: list[Path], one: Callable[[Path], dict[str, Any]], blank: dict[str, Any]) -> None:
    """Print one JSON object per path, in order; a path that fails gets `blank` with its error, the
    others still answer, and the command exits 1 at the end."""
    failed = False
    for path in paths:
        try:
            result = one(path)
        except (OSError, ValueError, KeyError, MonitorError) as exc:
            failed = True
            err.print(f"error: {path}: {exc}", highlight=False, markup=False)
            result = {"path": str(path), "error": str(exc), **blank}
        print(json.dumps(result, ensure_ascii=False), flush=True)
    if failed:
        raise typer.Exit(1)


@app.command()
def analyze(
    paths: list[Path] = typer.Argument(..., help="Article files: .txt, .html, or .json {url?, text|html}."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per path, one per line (the only format)."),
) -> None:
    """Analyse article files without a database: one JSON line of facts per path, in order."""
    import analysis

    def one(path: Path) -> dict[str, Any]:
        content, url, is_html = _read_input(path)
        text = _html_to_text(content, url) if is_html else content
        return analysis.to_contract(analysis.analyze(text, url))

    _json_lines(paths, one, {"is_cchc": None, "category": None})


@app.command()
def extract(
    paths: list[Path] = typer.Argument(..., help="Saved pages: .html, or .json {url, html}."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per path, one per line (the only format)."),
) -> None:
    """Run the article extractor on saved pages: title, published, text and the profile used, per path."""
    from scrapers.article import extract_article

    def one(path: Path) -> dict[str, Any]:
        raw, url = path.read_text(encoding="utf-8"), ""
        if path.suffix.lower() == ".json":
            data = json.loads(raw)
            raw, url = data["html"], data.get("url") or ""
        page = extract_article(raw, url)
        published = page.published.isoformat() if page.published else None
        return {"title": page.title, "published": published, "text": page.text, "profile": page.extractor}

    _json_lines(paths, one, {"title": None, "published": None, "text": "", "profile": None})


@app.command()
def sql(
    query: str = typer.Argument(..., help="One SELECT / WITH / DESCRIBE / SHOW statement."),
    db: Optional[Path] = DB_OPT,
    fmt: str = typer.Option("table", "--format", help="table, csv or json."),
    limit: int = typer.Option(1000, "--limit", help="Most rows printed."),
    timeout: float = typer.Option(30.0, "--timeout", help="Seconds before the query is stopped."),
    param: list[str] = typer.Option([], "--param", "-p", help="Value for a ? placeholder (repeatable)."),
) -> None:
    """Run a read-only SQL query against the database and print the rows."""
    from storage.adhoc import run_query

    if fmt not in {"table", "csv", "json"}:
        err.print("error: --format must be table, csv or json", markup=False)
        raise typer.Exit(2)
    try:
        settings = Settings.load(db_path=db)
        columns, rows = run_query(settings.db_path, query, param, limit, timeout)
    except MonitorError as exc:
        _fail(exc)
        return
    if fmt == "json":
        for row in rows:
            print(json.dumps(dict(zip(columns, row)), ensure_ascii=False, default=str))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        table = Table(*columns)
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        Console().print(table)


if __name__ == "__main__":
    app()
