"""A local Prefect server for `cchc-monitor serve`: started on loopback with SQLite under the data folder,
waited for, and stopped with everything it started. (Prefect's temporary API never schedules.)"""

from __future__ import annotations

import ctypes
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
from types import SimpleNamespace
from typing import Any

from cchc_monitor.errors import ConfigError

STARTUP_SECONDS = 180.0  # a cold start (SQLite migrations) takes 10-30 s on 2 cores
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent() -> None:
    """Run in a child between fork and exec (`preexec_fn`): Linux sends it SIGKILL when the thread that
    started it dies, kill -9 included, so no server outlives the cycle that needed it. Elsewhere: nothing."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request was made: go at once
        os._exit(1)


class _DyingPopen(subprocess.Popen[bytes]):  # Popen with one default more: die_with_parent
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("preexec_fn", die_with_parent)
        super().__init__(*args, **kwargs)


def temporary_servers_die_with_this_process() -> None:
    """Prefect's temporary API server (started by the first flow run of a process without PREFECT_API_URL)
    is a plain child that a killed parent leaves running; its module's `subprocess` is given a Popen that
    sets die_with_parent, and nothing else changes. Called once, by the process that runs cycles."""
    from prefect.server.api import server as prefect_server

    if getattr(getattr(prefect_server, "subprocess", None), "Popen", None) is not _DyingPopen:
        setattr(prefect_server, "subprocess", SimpleNamespace(**{**vars(subprocess), "Popen": _DyingPopen}))  # noqa: B010


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
