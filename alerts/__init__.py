"""Alerts: detection rules over new facts, and delivery of the outbox through Apprise."""

from __future__ import annotations

from alerts.deliver import Notifier, redact
from alerts.rules import detect, source_broken

__all__ = ["Notifier", "detect", "redact", "source_broken"]
