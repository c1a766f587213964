"""`cchc-monitor serve`: daily monitoring on one machine, with no Prefect server to keep alive by hand."""

from __future__ import annotations

import os
import signal
import warnings
from contextlib import nullcontext
from pathlib import Path
from types import FrameType

import typer

from cchc_monitor.cli.common import DB_OPT, SOURCES_OPT, fail
from cchc_monitor.errors import MonitorError
from cchc_monitor.settings import Settings


def _stop_on_sigterm() -> None:
    """SIGTERM (systemd, docker stop) stops like Ctrl-C, so what `serve` started is stopped too."""
    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def serve(
    sources: Path | None = SOURCES_OPT, db: Path | None = DB_OPT,
    port: int | None = typer.Option(None, "--port", help="Port of the local Prefect server [env CCHC_PREFECT_PORT]."),
) -> None:
    """Run daily on its own: a local Prefect server (unless PREFECT_API_URL names one), the `monitor`
    (06:30), `digest` (07:00) and on-demand `backfill` deployments, until Ctrl-C or SIGTERM."""
    from flows.local import prefect_defaults, preflight
    from flows.server import local_server

    try:
        settings = Settings.load(sources_file=sources, db_path=db, prefect_port=port)
        preflight(settings.cycle_config(), check_lock=False)
    except MonitorError as exc:
        fail(exc)
    prefect_defaults()
    given = os.environ.get("PREFECT_API_URL")
    home = settings.db_path.parent / "prefect"
    _stop_on_sigterm()
    # Prefect 3.8's runner called its async stop() without awaiting it on SIGTERM: a harmless warning
    warnings.filterwarnings("ignore", message="coroutine 'Runner.astop' was never awaited")
    try:
        with nullcontext(given) if given else local_server(home, settings.prefect_port) as api:
            os.environ["PREFECT_API_URL"] = api
            print(f"Prefect API at {api}; UI at {api.removesuffix('/api')}", flush=True)
            print(f"serving monitor ({settings.monitor_cron}), digest ({settings.digest_cron}) and backfill, "
                  "Asia/Ho_Chi_Minh; Ctrl-C stops", flush=True)
            from flows.serve import serve_all

            serve_all(settings)  # returns when Prefect's runner has been interrupted
    except (KeyboardInterrupt, SystemExit):  # Ctrl-C, or Prefect's runner exiting on SIGTERM
        pass
    except MonitorError as exc:
        fail(exc)
    print("stopped: the deployments' runner and the local Prefect server it started", flush=True)
