"""Running a cycle from this process (the CLI, the demo): Prefect's local defaults, then the flow."""

from __future__ import annotations

import logging
import os

from cchc_monitor.config import CycleConfig
from cchc_monitor.errors import MonitorError
from cchc_monitor.models import CycleSummary, TargetDelivery

# Prefect's local ephemeral API: a cold start takes 10-30 s here (default limit 20 s); no telemetry.
# The throwaway server logs tracebacks for events still in flight when it is stopped at the end of
# a cycle; they say nothing about the cycle, so only its critical messages are shown.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}


def preflight(config: CycleConfig, *, check_lock: bool = True) -> None:
    """Check, before Prefect starts (it takes seconds), what would stop a cycle at once: the sources file,
    the alerts file, the delivery targets, a damaged database, and another cycle on the same database.
    Raises our errors."""
    from alerts import load_policy, load_targets
    from cchc_monitor.errors import CycleBusyError
    from cchc_monitor.settings import Secrets
    from scrapers import load_sources
    from storage.connection import check_database
    from storage.lock import holder

    load_sources(config.sources_file, default_max_items=config.max_items_per_source)
    load_policy(config.delivery.alerts_file)
    load_targets(Secrets.load().notify_url_list(), config.delivery)
    check_database(config.db_path)
    running = holder(config.db_path) if check_lock else None
    if running:
        raise CycleBusyError(f"another cycle is running on {config.db_path} ({running}); this one is skipped")


def prefect_defaults() -> None:
    """Prefect's settings for this process, where the user set none (a quiet, local, telemetry-free Prefect).
    Prefect is not imported here: it reads its settings once, when first imported (`serve` sets
    PREFECT_API_URL after this)."""
    for name, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(name, value)


def _prefect_here() -> None:
    """What a process running flows needs: the defaults, one-line failures and, when no API is configured
    (Prefect's temporary one is used), a temporary server that dies with this process, even when it is
    killed (kill -9)."""
    prefect_defaults()
    from prefect.settings import get_current_settings

    if not get_current_settings().api.url:  # no server configured: flows start the temporary one
        from flows.server import temporary_servers_die_with_this_process  # imports Prefect's server (1-2 s)

        temporary_servers_die_with_this_process()
    one_line_failures()


class _OursSaidOnce(logging.Filter):
    """Drops Prefect's traceback of a flow that failed with one of our errors: the command prints that
    error as its one line (an operator needs the line, not 40 lines of frames)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], MonitorError))


def one_line_failures() -> None:
    """Install _OursSaidOnce on Prefect's flow and task run loggers of this process (once)."""
    for name in ("prefect.flow_runs", "prefect.task_runs"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _OursSaidOnce) for f in logger.filters):
            logger.addFilter(_OursSaidOnce())


def run_cycle(config: CycleConfig) -> CycleSummary:
    """Run one monitoring cycle (or a backfill) as a Prefect flow; Prefect is imported only now."""
    _prefect_here()
    from flows.cycle import monitor_cycle

    return monitor_cycle(config)


def run_digest(config: CycleConfig, day: str | None = None) -> list[TargetDelivery]:
    """Send the morning bulletins now, as the `digest` Prefect flow."""
    _prefect_here()
    from flows.digest import digest

    return digest(config, day)
