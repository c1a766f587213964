"""Entry points that read the settings (the edge): the scheduled cycle and the morning bulletin."""

from __future__ import annotations

from prefect import flow

from cchc_monitor.models import CycleSummary, TargetDelivery
from cchc_monitor.settings import Settings
from flows.cycle import monitor_cycle
from flows.digest import digest


@flow(name="scheduled-cycle")
def scheduled_cycle() -> CycleSummary:
    """The deployment in prefect.yaml: settings from CCHC_* variables, then one cycle as a subflow."""
    return monitor_cycle(Settings.load().cycle_config())


@flow(name="scheduled-digest")
def scheduled_digest() -> list[TargetDelivery]:
    """The morning bulletin deployment: settings from CCHC_* variables, then the digest flow."""
    return digest(Settings.load().cycle_config())


@flow(name="scheduled-backfill")
def scheduled_backfill(sources: list[str], pages: int = 5) -> CycleSummary:
    """A backfill deployment: these sources' listings walked back `pages` pages, with the CCHC_* settings."""
    return monitor_cycle(Settings.load().cycle_config().backfill(sources, pages))
