"""Alerts: detection rules over new facts, and delivery of the outbox through Apprise."""

from __future__ import annotations

from alerts.deliver import Notifier, redact
from alerts.rules import detect

__all__ = ["Notifier", "detect", "redact"]
