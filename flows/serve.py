"""The deployments `cchc-monitor serve` keeps running: the morning cycle, the bulletin, backfills on demand."""

from __future__ import annotations

from typing import Any

from prefect import serve
from prefect.schedules import Cron

from cchc_monitor.dates import VIETNAM
from cchc_monitor.settings import Settings
from flows.scheduled import scheduled_backfill, scheduled_cycle, scheduled_digest

TIMEZONE = str(VIETNAM)


def deployments(settings: Settings) -> list[Any]:
    """monitor (daily, `CCHC_MONITOR_CRON`), digest (`CCHC_DIGEST_CRON`) and backfill (on demand, with
    its sources and pages as parameters); each runs one at a time. The flows read the CCHC_* settings
    of the serving process when they run, so no setting (and no secret) is a deployment parameter."""
    return [
        scheduled_cycle.to_deployment("monitor", schedules=[Cron(settings.monitor_cron, timezone=TIMEZONE)],
                                      concurrency_limit=1, tags=["cchc"],
                                      description="One monitoring cycle every morning, Vietnam time."),
        scheduled_digest.to_deployment("digest", schedules=[Cron(settings.digest_cron, timezone=TIMEZONE)],
                                       concurrency_limit=1, tags=["cchc"],
                                       description="The morning bulletin to each reader."),
        scheduled_backfill.to_deployment("backfill", concurrency_limit=1, tags=["cchc"],
                                         description="Walk named sources' listings back N pages (run on demand)."),
    ]


def serve_all(settings: Settings) -> None:
    """Register the deployments with the Prefect API and run their flow runs in this process until stopped."""
    serve(*deployments(settings), print_starting_message=False)
