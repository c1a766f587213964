"""Draining the outbox: one delivery per alert and target, one message per article and target, each marked alone.

A failing target never blocks the others or makes them send twice; a failure is tried again in a
later cycle after a growing delay, and after the policy's attempts the delivery is dead and the
fallback tags are told once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from alerts.deliver import Target, send
from alerts.policy import Policy
from alerts.render import Message, render
from cchc_monitor.errors import DeliveryError
from cchc_monitor.models import AlertCandidate, PendingAlert, TargetDelivery

RULE_DELIVERY_DEAD = "delivery_dead"


class Outbox(Protocol):
    """What draining needs from the store (the storage room's `Repository` satisfies it)."""

    def pending_alerts(self) -> list[PendingAlert]: ...
    def alerts_by_key(self, keys: Iterable[str]) -> dict[str, PendingAlert]: ...
    def delivered_targets(self, keys: Iterable[str]) -> dict[str, set[str]]: ...
    def add_deliveries(self, rows: Sequence[tuple[str, str, str]], now: datetime | None = None) -> int: ...
    def due_deliveries(self, now: datetime) -> list[tuple[int, str, str, int]]: ...
    def mark_delivery(self, delivery_id: int, *, sent: bool, error: str | None = None,
                      retry_at: datetime | None = None, dead: bool = False) -> None: ...
    def story_links(self, article_ids: Iterable[str]) -> dict[str, list[str]]: ...
    def queue_alerts(self, alerts: Sequence[AlertCandidate]) -> int: ...


@dataclass
class DeliveryReport:
    """What one drain did: messages sent and failed, alerts still waiting, per target."""

    sent: int = 0
    failed: int = 0
    queued: int = 0
    dead: int = 0
    targets: dict[str, TargetDelivery] = field(default_factory=dict)


def route(alert: PendingAlert, targets: list[Target], policy: Policy) -> list[Target]:
    """The targets an alert goes to at once: the untagged ones, and tagged ones whose tag the rule names
    and whose subscription wants it now; operator notices go to the operators' tags, never leaders'."""
    out = []
    for target in targets:
        if not target.tags:
            out.append(target)
        elif alert.operator:
            wanted = policy.fallback_tags() if alert.rule == RULE_DELIVERY_DEAD else policy.operators
            if target.tags & set(wanted):
                out.append(target)
        elif any(policy.subscription(tag).immediate and policy.subscription(tag).wants(alert.rule, alert.province)
                 for tag in target.tags & set(alert.tags)):
            out.append(target)
    return out


def _plan(outbox: Outbox, targets: list[Target], policy: Policy, now: datetime) -> int:
    """Make the deliveries of pending alerts that have none yet for their targets; returns alerts waiting."""
    pending = outbox.pending_alerts()
    have = outbox.delivered_targets(a.key for a in pending)
    rows = [(a.key, t.id, t.label) for a in pending for t in route(a, targets, policy) if t.id not in have[a.key]]
    outbox.add_deliveries(rows, now)
    return len(pending)


def _group(due: list[tuple[int, str, str, int]], alerts: dict[str, PendingAlert]
           ) -> dict[tuple[str, str], list[tuple[int, PendingAlert, int]]]:
    """(target, article or 'operators') → its deliveries: one message per article and target."""
    groups: dict[tuple[str, str], list[tuple[int, PendingAlert, int]]] = {}
    for delivery_id, key, target_id, attempts in due:
        alert = alerts[key]
        what = "operators" if alert.operator else (alert.article_id or key)
        groups.setdefault((target_id, what), []).append((delivery_id, alert, attempts))
    return groups


def drain(outbox: Outbox, targets: list[Target], policy: Policy, *, now: datetime,
          sender: Callable[[Target, Message], None] | None = None) -> DeliveryReport:
    """Send every due delivery, including what earlier cycles could not send; with no target configured
    every alert waits. Each message's deliveries are marked as soon as its target answered."""
    report = DeliveryReport()
    waiting = _plan(outbox, targets, policy, now)
    if not targets:
        report.queued = waiting
        return report
    due = outbox.due_deliveries(now)
    alerts = outbox.alerts_by_key(key for _, key, _, _ in due)
    links = outbox.story_links(a.article_id for a in alerts.values() if a.article_id)
    by_id = {t.id: t for t in targets}
    cap = policy.delivery.max_messages_per_cycle
    dead: list[AlertCandidate] = []
    for (target_id, what), group in _group(due, alerts).items():
        target = by_id.get(target_id)
        if target is None:  # a target no longer configured: its deliveries wait for it to come back
            continue
        tally = report.targets.setdefault(target.id, TargetDelivery(target.label))
        if tally.sent + tally.failed >= cap:
            continue  # a flood is spread over cycles, never lost
        members = [a for _, a, _ in group]
        first = members[0]
        message = render(members, links.get(first.article_id or "", []), html=target.email,
                         limit=policy.delivery.max_alerts_per_article,
                         article_title=None if what == "operators" else first.reason.get("article_title"),
                         place=None if what == "operators" else first.reason.get("place"))
        try:
            (sender or _send)(target, message)
        except DeliveryError as exc:
            tally.failed += 1
            report.failed += 1
            tally.reasons.append(str(exc))
            dead += _fail(outbox, group, target, str(exc), policy, now)
        else:
            tally.sent += 1
            report.sent += 1
            for delivery_id, _, _ in group:
                outbox.mark_delivery(delivery_id, sent=True)
    report.dead = len(dead)
    outbox.queue_alerts(dead)
    report.queued = len(outbox.pending_alerts())
    return report


def _send(target: Target, message: Message) -> None:
    send(target, message.title, message.body, html_body=message.html)


def _fail(outbox: Outbox, group: list[tuple[int, PendingAlert, int]], target: Target, error: str, policy: Policy,
          now: datetime) -> list[AlertCandidate]:
    """Mark a failed message's deliveries: again later (backoff doubling), or dead with one notice each."""
    notices = []
    for delivery_id, alert, attempts in group:
        if attempts + 1 >= policy.delivery.max_attempts:
            outbox.mark_delivery(delivery_id, sent=False, error=error, dead=True)
            if alert.rule != RULE_DELIVERY_DEAD:
                title = f"Không gửi được cảnh báo sau {attempts + 1} lần: {target.label}"  # "could not deliver after N"
                summary = f"{alert.title} → {target.label}: {error}"
                why: dict[str, object] = {"rule": RULE_DELIVERY_DEAD, "kind": RULE_DELIVERY_DEAD,
                                          "severity": "warning", "summary": summary, "phrase": None, "links": []}
                key = f"{RULE_DELIVERY_DEAD}:{delivery_id}:{now.isoformat()}"  # a retried delivery can die again
                notices.append(AlertCandidate(key, RULE_DELIVERY_DEAD, title, summary, None, "warning", (), None, why,
                                              operator=True))
        else:
            delay = timedelta(minutes=policy.delivery.backoff_minutes * 2 ** attempts)
            outbox.mark_delivery(delivery_id, sent=False, error=error, retry_at=now + delay)
    return notices
