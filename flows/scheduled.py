"""Entry points that read the settings (the edge): the scheduled deployment."""

from __future__ import annotations

from prefect import flow

from cchc_monitor.models import CycleSummary
from cchc_monitor.settings import Settings
from flows.cycle import monitor_cycle


@flow(name="scheduled-cycle")
def scheduled_cycle() -> CycleSummary:
    """The deployment in prefect.yaml: settings from CCHC_* variables, then one cycle as a subflow."""
    return monitor_cycle(Settings.load().cycle_config())
