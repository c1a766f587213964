"""The alert policy file: rules, recipients' subscriptions and the delivery policy, validated with clear errors."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cchc_monitor.errors import ConfigError
from cchc_monitor.files import field_path, one_line, parse_yaml, read_text
from cchc_monitor.gazetteer import current_province

Kind = Literal["new_plan", "backlog_threshold", "backlog_up", "score_below", "score_down", "rank_down",
               "missing_plan", "keyword"]
Mode = Literal["immediate", "digest", "both"]
SHIPPED = "rules.yaml"  # alerts/rules.yaml: the defaults, documented in the README


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(_Strict):
    """One rule: what fires (kind and parameters), how serious it is, and which tags it goes to."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    kind: Kind
    severity: Literal["info", "warning", "critical"] = "info"
    recipients: tuple[str, ...] = ()  # tags; empty: the untagged default targets only
    # parameters (each kind reads its own; unknown keys are refused by the model)
    min_count: int | None = Field(None, ge=0)  # backlog_threshold (None: CCHC_BACKLOG_THRESHOLD)
    tiers: tuple[str, ...] = ()  # backlog_*: only these tiers (tỉnh, huyện, thành phố, xã); empty: all
    localities: tuple[str, ...] = ()  # backlog_*: only these localities or provinces; empty: all
    min_increase: int = Field(1, ge=1)  # backlog_up: by count ...
    min_percent: float = Field(0.0, ge=0)  # ... and by percent of the previous report
    indexes: tuple[str, ...] = ()  # score_*, rank_down: PAR INDEX, SIPAS, PAPI, PCI, ...; empty: all
    below: float | None = None  # score_below
    by: str | None = Field(None, pattern=r"^\d{2}-\d{2}$")  # missing_plan: "MM-DD", e.g. "01-31"
    provinces: tuple[str, ...] = ()  # missing_plan: monitored provinces; empty: those of the sources
    phrases: tuple[str, ...] = ()  # keyword

    @model_validator(mode="after")
    def _parameters(self) -> Rule:
        needed = {"score_below": ("below", self.below), "missing_plan": ("by", self.by),
                  "keyword": ("phrases", self.phrases)}
        if self.kind in needed and not needed[self.kind][1]:
            raise ValueError(f"a {self.kind} rule needs '{needed[self.kind][0]}'")
        return self

    def due(self, year: int) -> date | None:
        """missing_plan: the date by which a province's yearly plan should have been seen."""
        if self.by is None:
            return None
        month, day = (int(x) for x in self.by.split("-"))
        return date(year, month, day)


class Recipient(_Strict):
    """A tag's subscription: which provinces (current or former names), which rules, which mode."""

    tag: str
    provinces: tuple[str, ...] = ()  # empty: every province
    rules: tuple[str, ...] = ()  # rule ids; empty: every rule that names this tag
    mode: Mode = "immediate"

    @field_validator("provinces")
    @classmethod
    def _known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if current_province(name) is None:
                raise ValueError(f"unknown province {name!r}")
        return value

    def wants(self, rule_id: str, province: str | None) -> bool:
        """Whether an alert of this rule about this province is for this recipient."""
        if self.rules and rule_id not in self.rules:
            return False
        if not self.provinces:
            return True
        mine = {current_province(p) for p in self.provinces}
        return province is not None and current_province(province) in mine

    @property
    def immediate(self) -> bool:
        return self.mode in ("immediate", "both")

    @property
    def digest(self) -> bool:
        return self.mode in ("digest", "both")


class Delivery(_Strict):
    """Retries across cycles and the caps that stop a flood."""

    max_attempts: int = Field(5, ge=1)  # then the delivery is dead and the fallback tags are told once
    backoff_minutes: float = Field(10.0, ge=0)  # doubles after each failure
    max_messages_per_cycle: int = Field(200, ge=1)  # per target; the rest wait for the next cycle
    max_alerts_per_article: int = Field(50, ge=1)  # figures beyond this are summarised, not listed


class Policy(_Strict):
    """The whole file."""

    rules: tuple[Rule, ...]
    recipients: tuple[Recipient, ...] = ()
    operators: tuple[str, ...] = ()  # tags that get source health and delivery notices, never leaders'
    fallback: tuple[str, ...] = ()  # tags told once when a delivery is dead (default: the operators)
    delivery: Delivery = Field(default_factory=lambda: Delivery.model_validate({}))

    @model_validator(mode="after")
    def _unique(self) -> Policy:
        ids = [r.id for r in self.rules]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"rule id used twice: {', '.join(twice)}")
        for recipient in self.recipients:
            unknown = set(recipient.rules) - set(ids)
            if unknown:
                raise ValueError(f"recipient {recipient.tag!r} subscribes to unknown rules {sorted(unknown)}")
        return self

    def rule(self, rule_id: str) -> Rule | None:
        """The rule with this id."""
        return next((r for r in self.rules if r.id == rule_id), None)

    def subscription(self, tag: str) -> Recipient:
        """A tag's subscription (a tag without one gets everything its rules send it, immediately)."""
        return next((r for r in self.recipients if r.tag == tag), Recipient(tag=tag))

    def fallback_tags(self) -> tuple[str, ...]:
        return self.fallback or self.operators


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip().lower()


def matches_any(text: str, phrases: tuple[str, ...]) -> str | None:
    """The first phrase found in the text (NFC, case- and space-folded), else None."""
    folded = _fold(text)
    return next((p for p in phrases if _fold(p) in folded), None)


def load_policy(path: Path | None) -> Policy:
    """Read and validate the policy file (None: the shipped defaults); errors name the file and the entry."""
    label = str(path) if path else f"alerts/{SHIPPED} (shipped)"
    raw = read_text(path, "alerts file") if path else resources.files("alerts").joinpath(SHIPPED).read_text(
        encoding="utf-8")
    data: Any = parse_yaml(raw, label)
    if not isinstance(data, dict):
        raise ConfigError(f"{label}: expected a mapping with 'rules:'")
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{field_path(e['loc']) or 'file'}: {one_line(e['msg'])}" for e in exc.errors())
        raise ConfigError(f"{label}: {problems}") from exc
