"""What a running cycle shows: a live progress display on a terminal, plain stage lines elsewhere."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

LABELS = {"discover": "sources discovered", "fetch": "new article pages fetched (analysed and stored as they come)"}


class _Live(logging.Handler):
    """Stage events → a Rich progress bar per stage."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def emit(self, record: logging.LogRecord) -> None:
        stage, done, total = getattr(record, "stage", ""), getattr(record, "done", 0), getattr(record, "total", 0)
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(LABELS.get(stage, stage), total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)


class _Lines(logging.Handler):
    """Stage events → one plain line when a stage is done (logs and pipes stay readable)."""

    def emit(self, record: logging.LogRecord) -> None:
        stage, done, total = getattr(record, "stage", ""), getattr(record, "done", 0), getattr(record, "total", 0)
        if done == total:
            print(f"{LABELS.get(stage, stage)}: {done}/{total}", flush=True)


@contextmanager
def watching(terminal: bool | None = None) -> Iterator[None]:
    """Show the cycle's stage events while the block runs."""
    logger = logging.getLogger("cchc_monitor.progress")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    live = sys.stdout.isatty() if terminal is None else terminal
    if not live:
        handler: logging.Handler = _Lines()
        logger.addHandler(handler)
        try:
            yield
        finally:
            logger.removeHandler(handler)
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(), transient=True) as progress:
        handler = _Live(progress)
        logger.addHandler(handler)
        try:
            yield
        finally:
            logger.removeHandler(handler)
