"""Shared fixtures: loopback servers (demo portal, SMTP sink), a temporary database, Prefect's harness."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from cchc_monitor.demo.mailsink import MailSink
from cchc_monitor.demo.portal import DemoPortal

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never depend on the developer's CCHC_* settings."""
    for name in list(os.environ):
        if name.startswith("CCHC_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One Prefect test server for the whole session (flows are slow to start)."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_HOME", str(tmp_path_factory.mktemp("prefect-home")))
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


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
