"""`cchc-monitor sql` and `export`: the read-only query surface of the DuckDB file."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import typer
from rich.console import Console
from rich.measure import Measurement
from rich.table import Column, Table
from rich.text import Text

from cchc_monitor.cli.common import DB_OPT, err, fail
from cchc_monitor.errors import MonitorError
from cchc_monitor.settings import Settings

# The fewest characters of text a table column keeps: with so many columns that the console cannot
# give each this much, the table is drawn wider than the console rather than cut.
READABLE_WIDTH = 6
UTF8_BOM = "\ufeff"


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
    bom: bool = typer.Option(False, "--bom", help="With --format csv: start with a UTF-8 byte-order mark, "
                                                  "so Excel shows Vietnamese."),
    limit: int = typer.Option(1000, "--limit", help="Most rows printed."),
    timeout: float = typer.Option(30.0, "--timeout", help="Seconds before the query is stopped."),
    param: list[str] = typer.Option([], "--param", "-p", help="Value for a ? placeholder (repeatable)."),
) -> None:
    """Run a read-only SQL query against the database and print the rows."""
    from storage.adhoc import run_query

    if fmt not in {"table", "csv", "json"}:
        err.print("error: --format must be table, csv or json", markup=False)
        raise typer.Exit(2)
    if bom and fmt != "csv":
        err.print(f"error: --bom only applies to --format csv (a byte-order mark for Excel), not --format {fmt}",
                  markup=False, highlight=False)
        raise typer.Exit(2)
    try:
        settings = Settings.load(db_path=db)
        result = run_query(settings.db_path, query, param, limit, timeout)
    except MonitorError as exc:
        fail(exc)
    columns, rows = result
    if fmt == "json":
        for row in rows:
            print(json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False, default=str))
    elif fmt == "csv":
        _write_csv(_csv_stream(bom), columns, rows, bom)
    else:
        _print_table(columns, rows)
    if result.truncated:
        err.print(f"(first {limit} rows; more were left out: use --limit N for more, "
                  "or cchc-monitor export DIR for whole views)", markup=False, highlight=False)


def _csv_stream(bom: bool) -> TextIO:
    """Standard output made ready for CSV: the csv module's own line endings (no \\r\\r\\n on Windows)
    and, for a byte-order mark, UTF-8 whatever the locale says."""
    out = sys.stdout
    if isinstance(out, io.TextIOWrapper):
        if bom and out.encoding.lower().replace("-", "").replace("_", "") != "utf8":
            out.reconfigure(encoding="utf-8")
        out.reconfigure(newline="")
    return out


def _write_csv(out: TextIO, columns: list[str], rows: Sequence[Sequence[Any]], bom: bool) -> None:
    if bom:
        out.write(UTF8_BOM)
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows(rows)


def _print_table(columns: list[str], rows: Sequence[Sequence[Any]]) -> None:
    """The rows as a table that fits the console: a cell too wide is wrapped, a long word folded onto the
    next line, never cut. A table wider than the console gets a hint on stderr to use csv or json."""
    console = Console()
    # names and values are data, never Rich markup: Text, not str
    table = Table(*(Column(Text(name), overflow="fold") for name in columns))
    for row in rows:
        table.add_row(*(Text("" if v is None else str(v)) for v in row))
    width = console.width
    too_wide = Measurement.get(console, console.options.update_width(1_000_000), table).maximum > width
    # a box border left of each column and one at the end, a space of padding each side of a cell
    smallest = len(columns) * (READABLE_WIDTH + 3) + 1
    if too_wide and smallest > width:
        console = Console(width=smallest)  # wider than the terminal (which wraps the lines) rather than cut
    console.print(table)
    if too_wide:
        err.print(f"(the table is wider than {width} characters: its cells are wrapped; "
                  "--format csv or --format json is easier to read)", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add these commands to the application."""
    app.command()(sql)
    app.command()(export)
