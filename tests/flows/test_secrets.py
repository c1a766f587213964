"""No secret in Prefect's database, our DuckDB file or the output: a real cycle with secret-bearing notify URLs.

The cycle runs as a user runs it (`cchc-monitor run` in its own process, on Prefect's temporary
server, whose SQLite database is `$PREFECT_HOME/prefect.db`). One target carries a password and
delivers (an SMTP server on loopback that asks for it); the other carries a token and fails, so its
error is stored too. Then every table of both databases, and the raw files, are searched.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from cchc_monitor.demo.portal import DemoPortal
from storage.adhoc import run_query
from tests.helpers import ROOT, write_sources

PASSWORD = "Pw-3f9c1e77a2b4"
TOKEN = "tok7d2e9a41c05b88f3e6"
ZALO_KEY = "zkQ93hdT0pKxw7Lm"  # the secret half of a Zalo bot token "{bot_id}:{key}"
USER = "cchc-sender"


class _AuthMailbox:
    """An SMTP server on loopback that requires a login (as a real relay does) and keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.logins: list[tuple[str, str]] = []

        def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth: Any) -> AuthResult:
            self.logins.append((auth.login.decode(), auth.password.decode()))
            return AuthResult(success=True)

        outer = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
                outer.messages.append(envelope.content)
                return "250 OK"

        with socket.socket() as probe:  # aiosmtpd checks its server by connecting: it needs a real port
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, authenticator=authenticate,
                                     auth_require_tls=False)

    def __enter__(self) -> _AuthMailbox:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@pytest.fixture
def auth_mailbox() -> Iterator[_AuthMailbox]:
    with _AuthMailbox() as box:
        yield box


def _sqlite_text(path: Path) -> str:
    """Every value of every table of Prefect's database, as text."""
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return "\n".join(str(row) for table in tables for row in con.execute(f'SELECT * FROM "{table}"'))
    finally:
        con.close()


def _duckdb_text(path: Path) -> str:
    """Every value of every table of our database, as text, through the read-only SQL surface."""
    tables = [r[0] for r in run_query(path, "SELECT table_name FROM information_schema.tables "
                                            "WHERE table_type = 'BASE TABLE'", limit=1000)[1]]
    return "\n".join(str(run_query(path, f'SELECT * FROM "{t}"', limit=1_000_000)[1]) for t in tables)


def test_a_cycle_stores_and_prints_no_part_of_any_secret(tmp_path: Path, portal: DemoPortal,
                                                         auth_mailbox: _AuthMailbox) -> None:
    home, db = tmp_path / "prefect-home", tmp_path / "cchc.duckdb"
    sources = write_sources(tmp_path / "sources.yaml", [
        {"id": "demo-rss", "name": "Demo RSS", "province": "Đồng Tháp", "kind": "rss", "url": portal.feed_url}])
    with_password = (f"mailto://{USER}:{PASSWORD}@127.0.0.1:{auth_mailbox.port}"
                     "?from=monitor@cchc.local&to=lanhdao@cchc.local")
    with_token = f"json://127.0.0.1:9/hooks/{TOKEN}"  # nothing listens on port 9: this target fails
    zalo = f"zalo://987654321:{ZALO_KEY}/chat.of.the.team"  # its API points at port 9 too: it fails
    env = {**{k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"},  # Prefect's temporary server
           "PREFECT_HOME": str(home), "PYTHONPATH": str(ROOT), "PREFECT_LOGGING_LEVEL": "DEBUG",
           "CCHC_NOTIFY_URLS": f"{with_password} {with_token} {zalo}", "CCHC_HOST_DELAY": "0",
           "CCHC_FETCH_RETRIES": "0", "CCHC_ZALO_BOT_API": "http://127.0.0.1:9",
           "CCHC_ZALO_TOKEN_FILE": str(tmp_path / "zalo-tokens.json")}
    run = subprocess.run([sys.executable, "-c", "from cchc_monitor.cli import app; app()", "run",
                          "--sources", str(sources), "--db", str(db)],
                         env=env, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]

    # the cycle really ran and really used the secrets: mail arrived after a login with the password,
    # the failing target's error was stored, and Prefect recorded the flow run we are about to search
    assert auth_mailbox.logins and auth_mailbox.logins[0] == (USER, PASSWORD) and auth_mailbox.messages
    stored = _duckdb_text(db)
    assert "delivery failed" in stored and "Zalo" in stored  # both failing targets' errors are stored
    prefect_db = home / "prefect.db"
    recorded = _sqlite_text(prefect_db)
    assert "monitor-cycle" in recorded and str(db) in recorded  # the parameters are there, without secrets
    assert "# CCHC cycle" in recorded and "| target | sent | failed | why |" in recorded  # the run's artifact

    secrets = {"password": PASSWORD, "token": TOKEN, "password-bearing URL": with_password,
               "token-bearing URL": with_token, "Zalo bot key": ZALO_KEY}
    raw_files = [p for p in (*home.rglob("*"), *tmp_path.glob("cchc.duckdb*")) if p.is_file()]
    places = {"Prefect's database (flow runs, task runs, logs, artifacts, events)": recorded,
              "our DuckDB file": stored, "the command's output": run.stdout + run.stderr,
              **{f"file {p.relative_to(tmp_path)}": p.read_bytes().decode("utf-8", "replace") for p in raw_files}}
    leaks = [f"{what} in {where}" for where, text in places.items() for what, secret in secrets.items()
             if secret in text]
    assert leaks == []
