"""What every command shares: the error console, the common options, and the one way to fail."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from cchc_monitor.errors import MonitorError, StorageError

err = Console(stderr=True, soft_wrap=True)  # one error, one line, whatever the terminal width

SOURCES_OPT = typer.Option(None, "--sources", help="Sources YAML file [env CCHC_SOURCES_FILE].")
DB_OPT = typer.Option(None, "--db", help="DuckDB file [env CCHC_DB_PATH].")


def exit_code(exc: MonitorError) -> int:
    """3 when the database could not be written (busy, locked, another cycle), else 2 (a bad setting,
    file or target): codes a scheduler can act on."""
    return 3 if isinstance(exc, StorageError) else 2


def fail(exc: MonitorError) -> NoReturn:
    """Print one error line (no traceback) and exit with the error's code."""
    err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, markup=True)
    raise typer.Exit(exit_code(exc))
