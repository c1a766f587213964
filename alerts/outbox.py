"""Draining the outbox: one delivery per alert and target, one message per article and target, each marked alone.

A failing target never blocks the others or makes them send twice; a failure is tried again in a
later cycle after a growing delay, and after the policy's attempts the delivery is dead and the
fallback tags are told once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from alerts.deliver import Target, send
from alerts.policy import Policy
from alerts.render import Message, render
from cchc_monitor.errors import DeliveryError
from cchc_monitor.models import AlertCandidate, PendingAlert, TargetDelivery

RULE_DELIVERY_DEAD = "delivery_dead"
RULE_HELD_BACK = "delivery_held_back"  # the operators' notice of what a cycle's cap held back
PLAN_PAGE = 2000  # pending alerts routed per read when deliveries are planned
Group = list[tuple[int, PendingAlert, int]]  # one message's deliveries: (delivery id, alert, attempts so far)


class Outbox(Protocol):
    """What draining needs from the store (the storage room's `Repository` satisfies it)."""

    def pending_page(self, after: str, limit: int) -> list[PendingAlert]: ...
    def pending_count(self) -> int: ...
    def alerts_by_key(self, keys: Iterable[str]) -> dict[str, PendingAlert]: ...
    def delivered_targets(self, keys: Iterable[str]) -> dict[str, set[str]]: ...
    def add_deliveries(self, rows: Sequence[tuple[str, str, str]], now: datetime | None = None) -> int: ...
    def due_deliveries(self, now: datetime) -> list[tuple[int, str, str, int]]: ...
    def mark_delivery(self, delivery_id: int, *, sent: bool, error: str | None = None,
                      retry_at: datetime | None = None, dead: bool = False) -> None: ...
    def mark_sent(self, delivery_ids: Sequence[int]) -> None: ...
    def story_links(self, article_ids: Iterable[str]) -> dict[str, list[str]]: ...
    def queue_alerts(self, alerts: Sequence[AlertCandidate]) -> int: ...


@dataclass
class DeliveryReport:
    """What one drain did: messages sent and failed, alerts still waiting, per target."""

    sent: int = 0
    failed: int = 0
    queued: int = 0
    dead: int = 0
    held: int = 0  # messages the per-cycle cap held back (still pending)
    held_alerts: int = 0
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
    """Make the deliveries of pending alerts that have none yet for their targets, PLAN_PAGE alerts at a time
    (a first cycle over a country queues 100,000s); returns alerts waiting."""
    if not targets:
        return outbox.pending_count()
    after, waiting = "", 0
    while pending := outbox.pending_page(after, PLAN_PAGE):
        have = outbox.delivered_targets(a.key for a in pending)
        outbox.add_deliveries([(a.key, t.id, t.label) for a in pending for t in route(a, targets, policy)
                               if t.id not in have[a.key]], now)
        after, waiting = pending[-1].key, waiting + len(pending)
    return waiting


def _group(due: list[tuple[int, str, str, int]], alerts: dict[str, PendingAlert]
           ) -> dict[tuple[str, str], Group]:
    """(target, article or 'operators') → its deliveries: one message per article and target."""
    groups: dict[tuple[str, str], Group] = {}
    for delivery_id, key, target_id, attempts in due:
        alert = alerts[key]
        what = "operators" if alert.operator else (alert.article_id or key)
        groups.setdefault((target_id, what), []).append((delivery_id, alert, attempts))
    return groups


def drain(outbox: Outbox, targets: list[Target], policy: Policy, *, now: datetime,
          sender: Callable[[Target, Message], None] | None = None) -> DeliveryReport:
    """`deliver` with one store kept open throughout (tests and tools that hold a Repository)."""
    return deliver(lambda: nullcontext(outbox), targets, policy, now=now, sender=sender)


def deliver(open_outbox: Callable[[], AbstractContextManager[Outbox]], targets: list[Target], policy: Policy, *,
            now: datetime, sender: Callable[[Target, Message], None] | None = None) -> DeliveryReport:
    """Send every due delivery, including what earlier cycles could not send; with no target configured
    every alert waits. The store is opened only for short windows, never while a target is being sent to:
    one to plan and read what is due, one per message to record its answer (a crash repeats at most the
    message in flight), and one at the end for the notices (none when nothing was due). The caller makes sure
    one drain runs at a time."""
    report = DeliveryReport()
    with open_outbox() as outbox:
        waiting = _plan(outbox, targets, policy, now)
        if not targets:
            report.queued = waiting
            return report
        due = outbox.due_deliveries(now)
        if not due:  # nothing to send: no second window to count what waits
            report.queued = outbox.pending_count()
            return report
        alerts = outbox.alerts_by_key(key for _, key, _, _ in due)
        links = outbox.story_links(a.article_id for a in alerts.values() if a.article_id)
    messages, held = _messages(_group(due, alerts), targets, policy, links)
    dead: list[AlertCandidate] = []
    for target, group, message in messages:
        tally = report.targets.setdefault(target.id, TargetDelivery(target.label))
        try:
            (sender or _send)(target, message)  # no store is open here: a slow target holds nothing
        except DeliveryError as exc:
            tally.failed += 1
            report.failed += 1
            tally.reasons.append(str(exc))
            with open_outbox() as outbox:
                dead += _fail(outbox, group, target, str(exc), policy, now)
        else:
            tally.sent += 1
            report.sent += 1
            with open_outbox() as outbox:
                outbox.mark_sent([delivery_id for delivery_id, _, _ in group])
    labels = {t.id: t.label for t in targets}
    for target_id, (messages_held, alerts_held) in held.items():
        tally = report.targets.setdefault(target_id, TargetDelivery(labels[target_id]))
        tally.reasons.append(f"{messages_held} messages ({alerts_held} alerts) held back by the cap of "
                             f"{policy.delivery.max_messages_per_cycle} per cycle; they stay pending")
        report.held += messages_held
        report.held_alerts += alerts_held
    notices = dead + ([held_back_notice(held, targets, policy, now)] if held else [])
    with open_outbox() as outbox:
        outbox.queue_alerts(notices)
        report.queued = outbox.pending_count()
    report.dead = len(dead)
    return report



def _messages(groups: dict[tuple[str, str], Group], targets: list[Target], policy: Policy,
              links: dict[str, list[str]]) -> tuple[list[tuple[Target, Group, Message]], dict[str, tuple[int, int]]]:
    """The messages to send now, each with its deliveries, and per target the (messages, alerts) held back
    by the per-cycle cap: they stay pending and go in later cycles. Operator notices are never held back
    (they say what the flood is)."""
    by_id = {t.id: t for t in targets}
    cap = policy.delivery.max_messages_per_cycle
    counted: dict[str, int] = {}
    out: list[tuple[Target, Group, Message]] = []
    held: dict[str, tuple[int, int]] = {}
    for (target_id, what), group in groups.items():
        target = by_id.get(target_id)
        if target is None:  # a target no longer configured: its deliveries wait for it to come back
            continue
        if what != "operators" and counted.get(target_id, 0) >= cap:
            messages_held, alerts_held = held.get(target_id, (0, 0))
            held[target_id] = (messages_held + 1, alerts_held + len(group))
            continue
        if what != "operators":
            counted[target_id] = counted.get(target_id, 0) + 1
        members = [a for _, a, _ in group]
        first = members[0]
        out.append((target, group, render(
            members, links.get(first.article_id or "", []), html=target.email,
            limit=policy.delivery.max_alerts_per_article,
            article_title=None if what == "operators" else first.reason.get("article_title"),
            place=None if what == "operators" else first.reason.get("place"))))
    return out, held


def held_back_notice(held: dict[str, tuple[int, int]], targets: list[Target], policy: Policy,
                     now: datetime) -> AlertCandidate:
    """One operator notice per drain: what the per-cycle cap held back, per target (nothing is lost)."""
    labels = {t.id: t.label for t in targets}
    cap = policy.delivery.max_messages_per_cycle
    parts = [f"{labels.get(t, t)}: {m} tin ({a} cảnh báo)" for t, (m, a) in sorted(held.items())]
    title = f"Đã hoãn {sum(m for m, _ in held.values())} tin cảnh báo: vượt giới hạn {cap} tin mỗi chu kỳ"
    summary = ("; ".join(parts) + f". Held back by delivery.max_messages_per_cycle ({cap} per target and cycle); "
               "they stay pending (`cchc-monitor alerts list`) and go out in the next cycles.")
    why: dict[str, object] = {"rule": RULE_HELD_BACK, "kind": RULE_HELD_BACK, "severity": "warning",
                              "summary": summary, "phrase": None, "links": []}
    return AlertCandidate(f"{RULE_HELD_BACK}:{now.isoformat()}", RULE_HELD_BACK, title, summary, None, "warning", (),
                          None, why, operator=True)


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
