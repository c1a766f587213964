"""`cchc-monitor serve` for real: a local Prefect server, the deployments, a cron schedule that fires, a clean stop.

The monitor's cron is set to every minute, so the test waits for the next minute boundary (at
most a minute) for the scheduler (loop 1 s) and the runner (poll 1 s) to run the cycle.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from cchc_monitor.demo.portal import DemoPortal
from flows.server import healthy
from tests.helpers import ROOT, write_sources

pytestmark = pytest.mark.flow
WAIT = 240.0  # seconds: server start, the next minute boundary, the cycle itself


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _post(api: str, path: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(f"{api}{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (loopback)
        return json.loads(answer.read())


def _line(process: subprocess.Popen[str], until: float) -> str:
    assert process.stdout is not None
    while time.monotonic() < until:
        ready, _, _ = select.select([process.stdout], [], [], 1.0)
        if ready:
            return process.stdout.readline()
        assert process.poll() is None, "serve exited"
    raise AssertionError("serve printed nothing in time")


def test_serve_runs_the_cron_schedule_and_stops_what_it_started(tmp_path: Path, portal: DemoPortal) -> None:
    sources = write_sources(tmp_path / "sources.yaml", [
        {"id": "demo-rss", "name": "Demo", "province": "Đồng Tháp", "kind": "rss", "url": portal.feed_url}])
    port = _free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("CCHC_", "PREFECT_API"))},
           "PYTHONPATH": str(ROOT), "PREFECT_HOME": str(tmp_path / "client-home"),
           "CCHC_SOURCES_FILE": str(sources), "CCHC_DB_PATH": str(tmp_path / "data" / "cchc.duckdb"),
           "CCHC_HOST_DELAY": "0", "CCHC_MONITOR_CRON": "* * * * *", "CCHC_PREFECT_PORT": str(port),
           "CCHC_ZALO_TOKEN_FILE": str(tmp_path / "z.json"),
           "PREFECT_RUNNER_POLL_FREQUENCY": "1", "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "1"}
    serve = subprocess.Popen([sys.executable, "-c", "from cchc_monitor.cli import app; app()", "serve"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    api = f"http://127.0.0.1:{port}/api"
    try:
        until = time.monotonic() + WAIT
        assert _line(serve, until).startswith(f"Prefect API at {api}; UI at http://127.0.0.1:{port}")
        assert (tmp_path / "data" / "prefect" / "prefect.db").exists()  # SQLite under the data folder
        completed: list[dict[str, Any]] = []
        while not completed and time.monotonic() < until:
            monitor = {d["name"]: d["id"] for d in _post(api, "/deployments/filter", {})}.get("monitor")
            runs = _post(api, "/flow_runs/filter", {"flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}}})
            # the monitor's runs only: the digest's own schedule (07:00 in Vietnam) may fire meanwhile
            completed = [r for r in runs if monitor and r.get("deployment_id") == monitor]
            time.sleep(1)
        names = sorted(d["name"] for d in _post(api, "/deployments/filter", {}))
        assert names == ["backfill", "digest", "monitor"]
        assert completed, "the every-minute schedule never produced a completed cycle"
        assert completed[0]["parameters"] == {}
    finally:
        serve.send_signal(signal.SIGTERM)
        out, _ = serve.communicate(timeout=60)
    assert serve.returncode == 0, out
    assert "stopped" in out
    assert not healthy(api, timeout=1.0)  # the server serve started is gone with it
