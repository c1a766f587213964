"""`cchc-monitor sql` and `export`: the read-only query surface of the DuckDB file."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cchc_monitor.cli.common import DB_OPT, err, fail
from cchc_monitor.errors import MonitorError
from cchc_monitor.settings import Settings


def export(
    folder: Path = typer.Argument(..., help="Folder to write one file per view into."),
    fmt: str = typer.Option("parquet", "--format", help="parquet or csv."),
    db: Path | None = DB_OPT,
) -> None:
    """Write every documented view (v_*) to FOLDER as Parquet or CSV, for spreadsheets and BI tools."""
    from storage.adhoc import export_views

    try:
        written = export_views(Settings.load(db_path=db).db_path, folder, fmt)
    except MonitorError as exc:
        fail(exc)
    for path in written:
        print(path)


def sql(
    query: str = typer.Argument(..., help="One SELECT / WITH / DESCRIBE / SHOW statement."),
    db: Path | None = DB_OPT,
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
        fail(exc)
    if fmt == "json":
        for row in rows:
            print(json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False, default=str))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        table = Table(*columns)
        for row in rows:
            table.add_row(*(Text("" if v is None else str(v)) for v in row))  # data, never Rich markup
        Console().print(table)


def register(app: typer.Typer) -> None:
    """Add these commands to the application."""
    app.command()(sql)
    app.command()(export)
