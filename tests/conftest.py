"""Fixtures every room uses: a clean environment, a temporary database, the demo's loopback servers.

Each room's own servers and fixtures are in its conftest (tests/<room>/conftest.py); only the wiring
tests (tests/flows/) use Prefect's harness."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from cchc_monitor.demo.mailsink import MailSink
from cchc_monitor.demo.portal import DemoPortal


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never depend on the developer's CCHC_* settings."""
    for name in list(os.environ):
        if name.startswith("CCHC_"):
            monkeypatch.delenv(name)


@pytest.fixture
def portal() -> Iterator[DemoPortal]:
    """The demo portal (our own pages) on 127.0.0.1."""
    with DemoPortal() as server:
        yield server


@pytest.fixture
def mailbox() -> Iterator[MailSink]:
    """An aiosmtpd SMTP server on 127.0.0.1 collecting every message."""
    with MailSink() as sink:
        yield sink


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A fresh DuckDB file path."""
    return tmp_path / "cchc.duckdb"
