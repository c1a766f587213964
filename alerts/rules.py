"""Detection rules: which facts of an article deserve an alert, and why; each key is unique per rule and fact.

Rules come from the policy file (alerts/policy.py). Comparisons with earlier reports go through
`History`, which the storage room's `Repository` satisfies, so this room never imports storage.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any, Protocol

from alerts.policy import Policy, Rule, matches_any
from cchc_monitor.errors import GONE, LAYOUT_CHANGED
from cchc_monitor.gazetteer import current_province
from cchc_monitor.keys import plan_key
from cchc_monitor.models import AlertCandidate, ArticleRecord, Fact, PriorFact, SourceHealth
from cchc_monitor.text import vn_date, vn_number

RULE_SOURCE_LAYOUT = "source_layout_changed"
RULE_SOURCE_GONE = "source_gone"
RULE_SOURCE_UNHEALTHY = "source_unhealthy"
UNHEALTHY_AFTER = 3  # consecutive failing cycles (the same threshold as v_source_health.unhealthy)


class History(Protocol):
    """Earlier reports, from other stories, that a new figure is compared with."""

    def previous_backlog(self, locality: str, tier: str | None, before: date | None,
                         story: str) -> PriorFact | None: ...
    def previous_score(self, entity: str, index: str, year: int | None, story: str) -> PriorFact | None: ...


def _where(record: ArticleRecord) -> str:
    an = record.analysis
    place = ", ".join(p for p in (an.locality, an.province) if p)
    return place or record.source_id


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _candidate(rule: Rule, identity: str, record: ArticleRecord, title: str, summary: str,
               fact: Fact | None = None, **reason: Any) -> AlertCandidate:
    body = "\n".join(x for x in (summary, f"«{fact.phrase}»" if fact else "", record.title or "", record.url) if x)
    why = {"rule": rule.id, "kind": rule.kind, "severity": rule.severity, "summary": summary,
           "phrase": fact.phrase if fact else None, "links": [record.url], "article_title": record.title,
           "place": _where(record), **reason}
    return AlertCandidate(f"{rule.id}:{identity}", rule.id, title, body, record.id, rule.severity, rule.recipients,
                          record.analysis.province, why)


def _story(record: ArticleRecord) -> str:
    return record.cluster_id or record.id


def new_plan(rule: Rule, record: ArticleRecord) -> list[AlertCandidate]:
    """A new CCHC plan: keyed by the plan's identity (number, year, province, local issuer) when the
    article cites one, else by the article's story."""
    if record.analysis.category != "plan":
        return []
    plans = [f for f in record.analysis.of_kind("document") if f.attrs.get("type") == "Kế hoạch"]
    province = record.analysis.province
    plan = plans[-1] if plans else None
    identity = plan_key(plan.attrs["number"], _date(plan.attrs.get("date")), record.published,
                        (current_province(province) or province) if province else None,
                        plan.attrs.get("issued_by")) if plan else _story(record)
    number = f" ({plan.attrs['number']})" if plan else ""
    year = f" năm {record.analysis.plan_year}" if record.analysis.plan_year else ""  # "for year ..."
    title = f"Kế hoạch CCHC{year} mới{number}: {_where(record)}"  # "New CCHC plan"
    summary = f"Kế hoạch CCHC{year} mới{number}"
    return [_candidate(rule, identity, record, title, summary, plan, number=plan.attrs["number"] if plan else None)]


def _backlog_facts(rule: Rule, record: ArticleRecord) -> list[tuple[Fact, int, str]]:
    place = record.analysis.locality or record.analysis.province or ""
    if rule.localities and matches_any(place, rule.localities) is None:
        return []
    out = []
    for fact in record.analysis.of_kind("backlog"):
        level = fact.attrs.get("level") or "không rõ cấp"  # "tier not given"
        if not rule.tiers or level in rule.tiers:
            out.append((fact, int(fact.value or 0), level))
    return out


def backlog_over(rule: Rule, record: ArticleRecord, threshold: int) -> list[AlertCandidate]:
    """Each reported late-dossier count at or above the threshold."""
    minimum = threshold if rule.min_count is None else rule.min_count
    out = []
    for fact, count, level in _backlog_facts(rule, record):
        if count < minimum:
            continue
        title = f"Hồ sơ trễ hạn: {vn_number(count)} ({level}) – {_where(record)}"  # "Late dossiers"
        summary = f"{vn_number(count)} hồ sơ trễ hạn ({level}), ngưỡng cảnh báo {vn_number(minimum)}"  # "threshold"
        # once per story and figure: a copy, or the headline repeating the figure, is the same fact
        out.append(_candidate(rule, f"{_story(record)}:{level}:{count}", record, title, summary, fact,
                              figure=count, threshold=minimum, tier=level))
    return out


def backlog_up(rule: Rule, record: ArticleRecord, history: History) -> list[AlertCandidate]:
    """A locality's count up against its own previous report (same locality and tier, another story)."""
    place = record.analysis.locality or record.analysis.province
    if not place:
        return []
    out = []
    for fact, count, level in _backlog_facts(rule, record):
        prior = history.previous_backlog(place, fact.attrs.get("level"), record.published, _story(record))
        if prior is None or prior.value is None or count - prior.value < rule.min_increase:
            continue
        before = prior.value
        if before and (count - before) * 100 / before < rule.min_percent:
            continue
        rise = int(count - before)
        summary = (f"{vn_number(count)} hồ sơ trễ hạn, tăng {vn_number(rise)} so với báo cáo ngày "  # "up ... since the
                   f"{vn_date(prior.report_date) or '(không rõ ngày)'}")  # report of" / "(date unknown)"
        title = f"Hồ sơ trễ hạn tăng: {vn_number(count)} (+{vn_number(rise)}, {level}) – {place}"  # "Late dossiers up"
        out.append(_candidate(rule, f"{_story(record)}:{level}:{count}", record, title, summary, fact,
                              figure=count, compared_with=int(before), tier=level,
                              compared_date=prior.report_date.isoformat() if prior.report_date else None,
                              compared_url=prior.url))
    return out


def _rank_number(rank: str | None) -> int | None:
    match = re.match(r"\D*(\d+)", rank or "")
    return int(match.group(1)) if match else None


def _scores(rule: Rule, record: ArticleRecord) -> list[tuple[Fact, str, str]]:
    entity = record.analysis.locality or record.analysis.province or ""
    out = []
    for fact in record.analysis.of_kind("score"):
        index = str(fact.attrs.get("index") or "")
        if not index or (rule.indexes and matches_any(index, rule.indexes) is None):
            continue
        if fact.value is None and rule.kind != "rank_down":  # a rank-only report has no value to compare
            continue
        out.append((fact, index, str(fact.attrs.get("entity") or entity)))
    return out


def score_rules(rule: Rule, record: ArticleRecord, history: History | None) -> list[AlertCandidate]:
    """score_below: a value under the rule's; score_down: lower than the same entity's previous year;
    rank_down: a rank that fell (a larger number) against the same entity's previous report."""
    out = []
    for fact, index, entity in _scores(rule, record):
        value = float(fact.value or 0)
        year = fact.attrs.get("year")
        identity = f"{entity}:{index}:{year or _story(record)}"
        if rule.kind == "score_below" and rule.below is not None and value < rule.below:
            summary = f"{index} {vn_number(value)}, dưới mức {vn_number(rule.below)}"  # "below"
            out.append(_candidate(rule, identity, record, f"{index} thấp: {vn_number(value)} – {entity}", summary,
                                  fact, figure=value, threshold=rule.below))
            continue
        if history is None or not entity or rule.kind == "score_below":
            continue
        prior = history.previous_score(entity, index, year - 1 if isinstance(year, int) else None, _story(record))
        if prior is None:
            continue
        if rule.kind == "score_down" and prior.value is not None and value < prior.value:
            summary = (f"{index} {vn_number(value)}, giảm {vn_number(round(prior.value - value, 2))} so với "  # "down"
                       f"{prior.year or vn_date(prior.report_date)} ({vn_number(prior.value)})")
            out.append(_candidate(rule, identity, record, f"{index} giảm: {vn_number(value)} – {entity}", summary,
                                  fact, figure=value, compared_with=prior.value, compared_url=prior.url))
        now, before = _rank_number(fact.attrs.get("rank")), _rank_number(prior.rank)
        if rule.kind == "rank_down" and now is not None and before is not None and now > before:
            summary = f"{index}: xếp thứ {now}, tụt {now - before} bậc so với thứ {before}"  # "rank N, down K places"
            out.append(_candidate(rule, identity, record, f"{index} tụt hạng: thứ {now} – {entity}", summary, fact,
                                  figure=now, compared_with=before, compared_url=prior.url))
    return out


def keyword(rule: Rule, record: ArticleRecord) -> list[AlertCandidate]:
    """A phrase anywhere in CCHC news (headline or body)."""
    if not record.analysis.is_cchc:
        return []
    phrase = matches_any(f"{record.title or ''}\n{record.body}", rule.phrases)
    if phrase is None:
        return []
    summary = f"Có cụm từ «{phrase}»"  # "contains the phrase"
    return [_candidate(rule, f"{_story(record)}:{phrase.lower()}", record, f"«{phrase}»: {_where(record)}",
                       summary, keyword=phrase)]


def evaluate(record: ArticleRecord, policy: Policy, history: History | None, backlog_threshold: int
             ) -> list[AlertCandidate]:
    """Every rule of the policy applied to one new or revised article (rules that compare with earlier
    reports need `history`)."""
    out: list[AlertCandidate] = []
    for rule in policy.rules:
        if rule.kind == "new_plan":
            out += new_plan(rule, record)
        elif rule.kind == "backlog_threshold":
            out += backlog_over(rule, record, backlog_threshold)
        elif rule.kind == "backlog_up" and history is not None:
            out += backlog_up(rule, record, history)
        elif rule.kind in ("score_below", "score_down", "rank_down"):
            out += score_rules(rule, record, history)
        elif rule.kind == "keyword":
            out += keyword(rule, record)
    return out


class _Wanted:
    """A History that answers nothing and notes what was asked, so the reports a batch needs are read at once."""

    def __init__(self) -> None:
        self.backlog: set[tuple[str, str | None]] = set()
        self.score: set[tuple[str, str]] = set()
        self.since: date | None = None  # the earliest date a backlog lookup asks before

    def previous_backlog(self, locality: str, tier: str | None, before: date | None, story: str) -> PriorFact | None:
        self.backlog.add((locality, tier))
        if before is not None and (self.since is None or before < self.since):
            self.since = before
        return None

    def previous_score(self, entity: str, index: str, year: int | None, story: str) -> PriorFact | None:
        self.score.add((entity, index))
        return None


def history_wanted(records: list[ArticleRecord], policy: Policy, backlog_threshold: int
                   ) -> tuple[set[tuple[str, str | None]], set[tuple[str, str]], date | None]:
    """The (locality, tier) and (entity, index) pairs whose earlier reports evaluating `records` compares with,
    and the earliest date a backlog report is asked before (None: none is)."""
    wanted = _Wanted()
    for record in records:
        evaluate(record, policy, wanted, backlog_threshold)
    return wanted.backlog, wanted.score, wanted.since


def detect(record: ArticleRecord, backlog_threshold: int) -> list[AlertCandidate]:
    """The shipped rules that need no history, applied to one article (new plans, backlog thresholds)."""
    from alerts.policy import load_policy

    return evaluate(record, load_policy(None), None, backlog_threshold)


def missing_plans(policy: Policy, watched: Callable[[date], set[str]], planned: set[tuple[str, int]], today: date
                  ) -> list[AlertCandidate]:
    """No yearly CCHC plan seen from a monitored province by the rule's date: once per province and year.
    `watched(due)` gives the provinces we were already watching before the due date (a province added
    later cannot be said to have published nothing); `planned` holds (current province, year) of every plan."""
    out = []
    for rule in policy.rules:
        due = rule.due(today.year) if rule.kind == "missing_plan" else None
        if due is None or today < due:
            continue
        chosen = watched(due) if not rule.provinces else set(rule.provinces) & watched(due) | {
            p for p in rule.provinces if current_province(p) in watched(due)}
        for province in sorted({current_province(p) or p for p in chosen}):
            if (province, today.year) in planned:
                continue
            summary = (f"Chưa thấy kế hoạch CCHC năm {today.year} của {province} "  # "no CCHC plan for the year seen
                       f"(hạn {vn_date(due)})")  # from ... (due ...)"
            why: dict[str, object] = {"rule": rule.id, "kind": rule.kind, "severity": rule.severity, "summary": summary,
                   "phrase": None, "links": [], "due": due.isoformat()}
            out.append(AlertCandidate(f"{rule.id}:{province}:{today.year}", rule.id,
                                      f"Chưa có kế hoạch CCHC năm {today.year}: {province}", summary, None,
                                      rule.severity, rule.recipients, province, why))
    return out


def source_broken(health: SourceHealth) -> list[AlertCandidate]:
    """A source that broke: its listing layout changed, it is gone (HTTP 410), or it failed three
    cycles in a row. Keyed by the last success, so one notice per breakage, not one per run.
    For operators only; a cycle's notices reach them grouped in one message."""
    since = health.last_ok_at.isoformat() if health.last_ok_at else "never"
    where = f"{health.name} ({health.source_id})"
    reason = health.last_failure_reason or ""
    if health.disabled_reason == GONE:
        rule = RULE_SOURCE_GONE
        title = f"Nguồn đã bị gỡ (HTTP 410), tạm dừng thu thập: {where}"  # "Source gone, collection paused"
        body = f"{health.url}\nBật lại bằng: cchc-monitor sources enable {health.source_id}"  # "Enable again with"
    elif health.consecutive_failures >= 1 and reason == LAYOUT_CHANGED:
        rule = RULE_SOURCE_LAYOUT
        title = f"Bố cục trang nguồn đã thay đổi: {where}"  # "The source's page layout changed"
        body = (f"{health.url}\nKhông tìm thấy liên kết bài viết nào; cần cập nhật link_selector "  # "no article links;
                "của nguồn trong sources.yaml.")  # update the source's link_selector in sources.yaml"
    elif health.consecutive_failures >= UNHEALTHY_AFTER:
        rule = RULE_SOURCE_UNHEALTHY
        title = f"Nguồn lỗi {UNHEALTHY_AFTER} lần liên tiếp: {where}"  # "Source failed N times in a row"
        body = f"{health.url}\nLỗi gần nhất: {reason}"  # "Last error"
    else:
        return []
    why = {"rule": rule, "kind": rule, "severity": "warning", "summary": title, "phrase": None,
           "links": [health.url], "source": health.source_id, "reason": reason}
    return [AlertCandidate(f"{rule}:{health.source_id}:{since}", rule, title, body, None, "warning", (), None, why,
                           operator=True)]
