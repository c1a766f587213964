"""`cchc-monitor run` through the real flow: what it prints when no source answers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cchc_monitor.cli import app
from tests.helpers import write_sources

runner = CliRunner()


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_run_says_plainly_when_no_source_was_reachable(tmp_path: Path, db_path: Path) -> None:
    sources = write_sources(tmp_path / "s.yaml", [
        {"id": "nowhere", "name": "Không có", "kind": "rss", "url": "http://127.0.0.1:9/rss"}])
    result = runner.invoke(app, ["run", "--sources", str(sources), "--db", str(db_path)],
                           env={"CCHC_FETCH_RETRIES": "0", "CCHC_HOST_DELAY": "0"})
    assert result.exit_code == 1, result.output  # a scheduler sees that nothing could be read
    assert "sources tried 1, failed 1" in result.stdout
    assert "No source was reachable" in result.stdout and "make demo" in result.stdout
    assert "! fetch.connect_error (1): nowhere" in result.stdout  # grouped by reason
    assert "sources discovered: 1/1" in result.stdout  # plain progress lines when not on a terminal
    assert "took discover" in result.stdout


HOLDER = """
import sys
from pathlib import Path
from storage.lock import cycle_lock
with cycle_lock(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()  # until the test closes our stdin
"""


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_a_second_cycle_on_the_same_database_is_skipped_with_a_clear_message(tmp_path: Path, db_path: Path) -> None:
    from cchc_monitor.errors import CycleBusyError
    from tests.helpers import ROOT, run_cycle

    sources = write_sources(tmp_path / "s.yaml", [
        {"id": "nowhere", "name": "Không có", "kind": "rss", "url": "http://127.0.0.1:9/rss"}])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen([sys.executable, "-c", HOLDER, str(db_path)], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True, env=env) as other:
        assert other.stdout is not None and other.stdout.readline() == "held\n"
        # the command line stops before Prefect starts, with the holder named and exit status 3
        result = subprocess.run([sys.executable, "-c", "from cchc_monitor.cli import app; app()", "run",
                                 "--sources", str(sources), "--db", str(db_path)], env=env, capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 3, result.stderr
        assert f"another cycle is running on {db_path} (PID {other.pid} since" in result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        # a deployment's flow run meets the same lock inside the flow
        with pytest.raises(CycleBusyError):
            run_cycle(sources, db_path)
        assert not db_path.exists()  # nothing was written by either
        other.stdin.close()
    assert run_cycle(sources, db_path).sources_tried == 1  # the lock went with its holder


BOMB = "\n".join([f'a0: &a0 [{", ".join(["lol"] * 9)}]']
                 + [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)] + ["sources: [*a8]"])


@pytest.mark.parametrize("setup, expected, code", [
    ({"CCHC_HOST_DELAY": "inf"}, "CCHC_HOST_DELAY", 2),
    ({"CCHC_HTTP_TIMEOUT": "nan"}, "CCHC_HTTP_TIMEOUT: Input should be a finite number", 2),
    ({"CCHC_BACKLOG_THRESHOLD": "inf"}, "CCHC_BACKLOG_THRESHOLD", 2),
    ({"CCHC_POLL_MAX_HOURS": "-inf"}, "CCHC_POLL_MAX_HOURS", 2),
    ({"CCHC_SOURCES_FILE": "missing.yaml"}, "missing.yaml: sources file not found", 2),
    ({"CCHC_SOURCES_FILE": "latin1.yaml"}, "latin1.yaml line 2: the sources file is not UTF-8 text", 2),
    ({"CCHC_SOURCES_FILE": "folder"}, "folder: the sources file is a directory", 2),
    ({"CCHC_SOURCES_FILE": "/dev/zero"}, "/dev/zero: the sources file is not a regular file", 2),
    ({"CCHC_SOURCES_FILE": "bomb.yaml"}, "bomb.yaml line 6: not valid YAML (aliases expand past", 2),
    ({"CCHC_ALERTS_FILE": "alerts.yaml"}, "alerts.yaml", 2),
    ({"CCHC_ALERTS_FILE": "/dev/zero"}, "/dev/zero: the alerts file is not a regular file", 2),
    ({"CCHC_NOTIFY_URLS": "nosuch://x"}, "notify URL #1 (scheme nosuch://)", 2),
    ({"CCHC_DB_PATH": "truncated.duckdb"}, "database truncated.duckdb is damaged or unreadable", 3),
    ({"CCHC_DB_PATH": "lite.db"}, "database lite.db is a SQLite database, not DuckDB", 3),
])
def test_a_bad_setting_or_file_fails_at_once_with_one_line(tmp_path: Path, setup: dict[str, str],
                                                          expected: str, code: int) -> None:
    import sqlite3

    from storage.repository import Repository
    from tests.helpers import ROOT

    (tmp_path / "alerts.yaml").write_text("rules: [\n", encoding="utf-8")
    (tmp_path / "sources.yaml").write_text("sources: []\n", encoding="utf-8")
    (tmp_path / "latin1.yaml").write_bytes(b"sources:\n  - name: Caf\xe9\n")
    (tmp_path / "bomb.yaml").write_text(BOMB, encoding="utf-8")
    (tmp_path / "folder").mkdir()
    with Repository(tmp_path / "whole.duckdb"):
        pass
    (tmp_path / "truncated.duckdb").write_bytes((tmp_path / "whole.duckdb").read_bytes()[:12288])
    with sqlite3.connect(tmp_path / "lite.db") as lite:
        lite.execute("CREATE TABLE t (x)")
    damaged = {p.name: p.read_bytes() for p in (tmp_path / "truncated.duckdb", tmp_path / "lite.db")}
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CCHC_")}, "PYTHONPATH": str(ROOT), **setup}
    result = subprocess.run([sys.executable, "-c", "from cchc_monitor.cli import app; app()", "run"], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == code, result.stdout + result.stderr
    assert expected in result.stderr and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert {name: (tmp_path / name).read_bytes() for name in damaged} == damaged  # never overwritten
    assert "prefect" not in result.stdout.lower()  # it never got as far as starting Prefect


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_killed_run_leaves_no_prefect_server_behind(tmp_path: Path) -> None:
    import select
    import signal
    import socket

    from tests.helpers import ROOT

    silent = socket.socket()  # a portal that accepts connections and never answers: the cycle stays busy
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    write_sources(tmp_path / "sources.yaml", [{"id": "slow", "name": "Slow", "kind": "rss",
                                               "url": f"http://127.0.0.1:{silent.getsockname()[1]}/rss"}])
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("CCHC_", "PREFECT_API_URL"))},
           "PYTHONPATH": str(ROOT), "CCHC_HTTP_TIMEOUT": "600", "CCHC_REQUEST_DEADLINE": "600",
           "PREFECT_HOME": str(tmp_path / "prefect")}
    with silent, subprocess.Popen([sys.executable, "-c", "from cchc_monitor.cli import app; app()", "run",
                                   "--db", str(tmp_path / "db.duckdb")], cwd=tmp_path, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as run:
        # the flow fetches only once its temporary server answers: a connection here means both are up
        assert select.select([silent], [], [], 300)[0], "the cycle never reached its fetch"
        servers = [c for c in _children(run.pid) if b"uvicorn" in Path(f"/proc/{c}/cmdline").read_bytes()]
        assert len(servers) == 1, "the cycle's temporary Prefect server is not a child of the run"
        watch = os.pidfd_open(servers[0])
        try:
            run.send_signal(signal.SIGKILL)
            run.wait(timeout=60)
            gone = select.select([watch], [], [], 60)[0]  # readable once the process has exited
        finally:
            if not select.select([watch], [], [], 0)[0]:
                signal.pidfd_send_signal(watch, signal.SIGKILL)  # leave nothing behind when the test fails
            os.close(watch)
        assert gone, f"the cycle's Prefect server (PID {servers[0]}) outlived its killed parent"


def test_a_database_held_by_another_writer_is_one_line_not_a_prefect_traceback(tmp_path: Path) -> None:
    from tests.helpers import ROOT

    (tmp_path / "sources.yaml").write_text("sources: []\n", encoding="utf-8")
    db = tmp_path / "db.duckdb"
    holder = "import sys, duckdb; c = duckdb.connect(sys.argv[1]); print('open', flush=True); sys.stdin.read()"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("CCHC_", "PREFECT_API_URL"))},
           "PYTHONPATH": str(ROOT), "PREFECT_HOME": str(tmp_path / "prefect")}
    with subprocess.Popen([sys.executable, "-c", holder, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True) as other:
        assert other.stdout is not None and other.stdout.readline() == "open\n"
        result = subprocess.run([sys.executable, "-c", "from cchc_monitor.cli import app; app()", "run",
                                 "--db", str(db)], cwd=tmp_path, env=env, capture_output=True, text=True,
                                timeout=300)
        assert other.stdin is not None
        other.stdin.close()
    assert result.returncode == 3, result.stderr
    assert result.stderr.count("\n") == 1 and f"database {db} is busy" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
