"""Assembling one recipient's morning bulletin from the store's rows, filtered by the recipient's provinces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from alerts.digest import BacklogLine, Digest, HealthLine, PlanLine, ScoreLine, TrendSeries, render_chat, render_email
from alerts.policy import Policy, Recipient
from cchc_monitor.dates import VIETNAM
from cchc_monitor.gazetteer import current_province

DEFAULT_RECIPIENT = "mặc định"  # "default": the untagged targets (CCHC_NOTIFY_URLS)


class DigestSource(Protocol):
    """The reads a bulletin needs (the storage room's `Repository` satisfies it)."""

    def digest_plans(self, since: datetime) -> list[dict[str, Any]]: ...
    def digest_backlog(self, since: datetime) -> list[dict[str, Any]]: ...
    def digest_scores(self, since: datetime) -> list[dict[str, Any]]: ...
    def digest_health(self) -> list[dict[str, Any]]: ...
    def digest_trends(self, provinces: list[str]) -> dict[str, list[tuple[Any, int]]]: ...


@dataclass(frozen=True)
class Reader:
    """Who a bulletin is for: a tag (or the untagged default), its provinces, whether it sees source health."""

    tag: str | None
    provinces: frozenset[str]  # current names; empty: every province
    operator: bool

    @property
    def name(self) -> str:
        return self.tag or DEFAULT_RECIPIENT

    def covers(self, province: str | None) -> bool:
        return not self.provinces or (province is not None and (current_province(province) or province)
                                      in self.provinces)


def readers(policy: Policy) -> list[Reader]:
    """Every bulletin to make: the untagged default, each tag subscribed in digest mode, and the operators."""
    def of(recipient: Recipient, operator: bool) -> Reader:
        names = frozenset(current_province(p) or p for p in recipient.provinces)
        return Reader(recipient.tag, names, operator)

    out = [Reader(None, frozenset(), False)]
    out += [of(r, r.tag in policy.operators) for r in policy.recipients if r.digest]
    out += [Reader(tag, frozenset(), True) for tag in policy.operators if tag not in {r.tag for r in out}]
    return out


def window_start(day: date) -> datetime:
    """A bulletin of `day` covers what arrived since 07:00 Vietnam time the day before."""
    return datetime.combine(day - timedelta(days=1), time(7), VIETNAM)


def build(source: DigestSource, reader: Reader, day: date) -> Digest:
    """The bulletin of `day` for one reader: what arrived since `window_start(day)`."""
    since = window_start(day)
    plans = tuple(PlanLine(r["title"], r["url"], r["province"], r["number"], r["year"], r["issued_by"])
                  for r in source.digest_plans(since) if reader.covers(r["province"]))
    backlog = tuple(BacklogLine(r["locality"], r["province"], r["tier"], int(r["count"]), r["previous"],
                                r["previous_date"], r["report_date"], r["url"])
                    for r in source.digest_backlog(since) if reader.covers(r["province"]))
    scores = tuple(ScoreLine(r["entity"], r["index_name"], float(r["value"]), r["previous"], r["year"], r["rank"],
                             r["previous_rank"], r["url"])
                   for r in source.digest_scores(since) if reader.covers(current_province(r["entity"]) or None)
                   or not reader.provinces)
    health = tuple(HealthLine(r["source_id"], r["name"], r["reason"] or "", int(r["failures"]), r["url"])
                   for r in source.digest_health()) if reader.operator else ()
    provinces = sorted({b.province for b in backlog if b.province})
    trends = tuple(TrendSeries(p, tuple(points)) for p, points in source.digest_trends(provinces).items()
                   if len(points) > 1)
    return Digest(reader.name, day, plans, backlog, scores, health, trends, operator=reader.operator)


def render(digest: Digest, *, email: bool) -> tuple[str, str]:
    """(subject, body) of a bulletin for one target: HTML e-mail, or the short chat summary."""
    mail = render_email(digest)
    return (mail.subject, mail.html) if email else (mail.subject, render_chat(digest))

