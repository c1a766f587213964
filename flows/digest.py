"""The morning bulletin as a Prefect flow: wiring only (store → alerts.bulletin → delivery)."""

from __future__ import annotations

from datetime import datetime

from prefect import flow, get_run_logger

from alerts import load_policy, load_targets
from alerts.bulletin import build, readers, render
from alerts.deliver import send
from cchc_monitor.config import CycleConfig
from cchc_monitor.dates import VIETNAM
from cchc_monitor.errors import DeliveryError
from cchc_monitor.models import TargetDelivery
from cchc_monitor.settings import Secrets
from storage.repository import Repository


@flow(name="digest", log_prints=False)
def digest(config: CycleConfig, day: str | None = None) -> list[TargetDelivery]:
    """Send each reader's bulletin of `day` (ISO date; default today in Vietnam) to its targets, once per
    target and day; returns what each target got. Targets are read here, never passed as parameters."""
    logger = get_run_logger()
    when = datetime.fromisoformat(day).date() if day else datetime.now(VIETNAM).date()
    policy = load_policy(config.delivery.alerts_file)
    targets = load_targets(Secrets.load().notify_url_list(), config.delivery)
    report: dict[str, TargetDelivery] = {}
    with Repository(config.db_path) as repo:
        for reader in readers(policy):
            chosen = [t for t in targets if (reader.tag in t.tags if reader.tag else not t.tags)]
            pending = [t for t in chosen if not repo.digest_sent(reader.name, when, t.id)]
            if not pending:
                continue
            bulletin = build(repo, reader, when)
            for target in pending:
                tally = report.setdefault(target.id, TargetDelivery(target.label))
                subject, body = render(bulletin, email=target.email)
                try:
                    send(target, subject, body, html_body=target.email)
                except DeliveryError as exc:
                    tally.failed += 1
                    tally.reasons.append(str(exc))
                    continue
                repo.mark_digest(reader.name, when, target.id)
                tally.sent += 1
    for tally in report.values():
        logger.info("digest %s → %s: sent %d, failed %d", when, tally.label, tally.sent, tally.failed)
    return list(report.values())
