"""Alerts: detection rules over new facts, the outbox drain, and delivery through Apprise."""

from __future__ import annotations

from alerts.deliver import Notifier, redact
from alerts.outbox import DeliveryReport, Outbox, drain
from alerts.rules import detect, source_broken

__all__ = ["DeliveryReport", "Notifier", "Outbox", "detect", "drain", "redact", "source_broken"]
