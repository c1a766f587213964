"""Draining the outbox: every pending alert is sent and marked on its own; a failure stays pending."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cchc_monitor.errors import DeliveryError
from cchc_monitor.models import PendingAlert


class Outbox(Protocol):
    """What draining needs from the store (the storage room's `Repository` satisfies it)."""

    def pending_alerts(self) -> list[PendingAlert]: ...
    def mark_alert(self, key: str, *, sent: bool, error: str | None = None) -> None: ...


class Sender(Protocol):
    """Something that delivers a title and body (the Apprise `Notifier`)."""

    @property
    def configured(self) -> bool: ...
    def send(self, title: str, body: str) -> None: ...


@dataclass(frozen=True)
class DeliveryReport:
    """What one drain did: alerts sent, failed (left pending with their redacted error), still queued."""

    sent: int
    failed: int
    queued: int


def drain(outbox: Outbox, sender: Sender) -> DeliveryReport:
    """Send every pending alert, including what earlier cycles could not send; with no target
    configured they all wait."""
    pending = outbox.pending_alerts()
    if not sender.configured:
        return DeliveryReport(0, 0, len(pending))
    sent = failed = 0
    for alert in pending:
        try:
            sender.send(alert.title, alert.body)
        except DeliveryError as exc:  # already redacted by the sender
            outbox.mark_alert(alert.key, sent=False, error=str(exc))
            failed += 1
        else:
            outbox.mark_alert(alert.key, sent=True)
            sent += 1
    return DeliveryReport(sent, failed, failed)
