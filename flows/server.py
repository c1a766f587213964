"""A local Prefect server for `cchc-monitor serve`: started on loopback with SQLite under the data folder,
waited for, and stopped with everything it started. (Prefect's temporary API never schedules.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cchc_monitor.errors import ConfigError

STARTUP_SECONDS = 180.0  # a cold start (SQLite migrations) takes 10-30 s on 2 cores


def healthy(api_url: str, timeout: float = 2.0) -> bool:
    """Whether a Prefect API answers its health check."""
    try:
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=timeout) as answer:  # noqa: S310
            return bool(json.loads(answer.read() or b"false"))
    except (OSError, ValueError):
        return False


@contextmanager
def local_server(home: Path, port: int, *, extra_env: dict[str, str] | None = None,
                 startup: float = STARTUP_SECONDS) -> Iterator[str]:
    """Run `prefect server start` on 127.0.0.1:`port` (its SQLite database in `home`) for the block;
    yields the API URL. The server runs in its own process group, stopped on exit whatever happens."""
    home.mkdir(parents=True, exist_ok=True)
    api = f"http://127.0.0.1:{port}/api"
    if healthy(api, timeout=0.5):
        raise ConfigError(f"a Prefect server already answers on 127.0.0.1:{port}; set PREFECT_API_URL={api} "
                          "to use it, or choose another port with --port")
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "DO_NOT_TRACK": "1", "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_SERVER_API_PORT": str(port),
           **(extra_env or {})}
    env.pop("PREFECT_API_URL", None)
    log = (home / "server.log").open("ab")
    process = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                "--port", str(port)],
                               env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + startup
        while not healthy(api):
            if process.poll() is not None:
                raise ConfigError(f"the local Prefect server exited at start (status {process.returncode}); "
                                  f"see {home / 'server.log'}")
            if time.monotonic() > deadline:
                raise ConfigError(f"the local Prefect server did not answer within {startup:.0f} s; "
                                  f"see {home / 'server.log'}")
            time.sleep(0.5)
        yield api
    finally:
        _stop(process)
        log.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and every process it started (its whole group, even when the leader already exited)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass
