"""Entry points that read the settings (the edge): the scheduled deployment and the CLI's `run`."""

from __future__ import annotations

from typing import Any

from prefect import flow

from cchc_monitor.settings import Settings
from flows.cycle import monitor_cycle


def run_with_settings(settings: Settings, retry_delay_seconds: float = 10.0,
                      only_sources: list[str] | None = None, pages: int = 1) -> dict[str, Any]:
    """One monitoring cycle (or a backfill of some sources) with these settings; returns the summary."""
    return monitor_cycle(
        sources_file=str(settings.sources_file), db_path=str(settings.db_path),
        notify_urls=settings.notify_url_list(), backlog_threshold=settings.backlog_threshold,
        http_timeout=settings.http_timeout, request_deadline=settings.request_deadline,
        host_delay=settings.host_delay, user_agent=settings.user_agent,
        max_items_per_source=settings.max_items_per_source, fetch_retries=settings.fetch_retries,
        retry_delay_seconds=retry_delay_seconds, only_sources=only_sources, pages=pages,
        revisit_days=settings.revisit_days,
    )


@flow(name="scheduled-cycle")
def scheduled_cycle() -> dict[str, Any]:
    """The deployment in prefect.yaml: settings from CCHC_* variables, then one cycle as a subflow."""
    return run_with_settings(Settings.load())
