"""Alerts: rules over new facts, the policy file, routing to tagged targets, the outbox drain, Apprise delivery."""

from __future__ import annotations

from alerts.deliver import Notifier, Target, load_targets, redact
from alerts.outbox import DeliveryReport, Outbox, deliver, drain, route
from alerts.policy import Policy, load_policy
from alerts.rules import History, detect, evaluate, history_wanted, missing_plans, source_broken

__all__ = ["DeliveryReport", "History", "Notifier", "Outbox", "Policy", "Target", "deliver", "detect", "drain",
           "evaluate", "history_wanted", "load_policy", "load_targets", "missing_plans", "redact", "route",
           "source_broken"]
