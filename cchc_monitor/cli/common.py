"""What every command shares: the error console, the common options, and the one way to fail."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from cchc_monitor.errors import MonitorError

err = Console(stderr=True, soft_wrap=True)  # one error, one line, whatever the terminal width

SOURCES_OPT = typer.Option(None, "--sources", help="Sources YAML file [env CCHC_SOURCES_FILE].")
DB_OPT = typer.Option(None, "--db", help="DuckDB file [env CCHC_DB_PATH].")


def fail(exc: MonitorError) -> NoReturn:
    """Print one error line (no traceback) and exit 2."""
    err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, markup=True)
    raise typer.Exit(2)
