"""Detection rules: which stored facts deserve an alert; each candidate has a key unique per rule and fact."""

from __future__ import annotations

from cchc_monitor.models import AlertCandidate, ArticleRecord

RULE_NEW_PLAN = "new_plan"
RULE_BACKLOG = "backlog_threshold"


def _where(record: ArticleRecord) -> str:
    an = record.analysis
    place = ", ".join(p for p in (an.locality, an.province) if p)
    return place or record.source_id


def new_plan(record: ArticleRecord) -> list[AlertCandidate]:
    """A new CCHC plan: keyed by the plan's number when the article cites one, else by the article."""
    if record.analysis.category != "plan":
        return []
    plans = [f for f in record.analysis.of_kind("document") if f.attrs.get("type") == "Kế hoạch"]
    identity = plans[-1].attrs["number"].upper() if plans else record.id
    number = f" ({plans[-1].attrs['number']})" if plans else ""
    year = f" năm {record.analysis.plan_year}" if record.analysis.plan_year else ""  # "for year ..."
    title = f"Kế hoạch CCHC{year} mới{number}: {_where(record)}"  # "New CCHC plan"
    body = f"{record.title or ''}\n{record.url}"
    return [AlertCandidate(f"{RULE_NEW_PLAN}:{identity}", RULE_NEW_PLAN, title, body.strip(), record.id)]


def backlog_over_threshold(record: ArticleRecord, threshold: int) -> list[AlertCandidate]:
    """Each reported late-dossier count at or above the threshold."""
    out = []
    for fact in record.analysis.of_kind("backlog"):
        count = int(fact.value or 0)
        if count < threshold:
            continue
        level = fact.attrs.get("level") or "không rõ cấp"  # "tier not given"
        shown = f"{count:,}".replace(",", ".")  # Vietnamese thousands separator
        title = f"Hồ sơ trễ hạn: {shown} ({level}) – {_where(record)}"  # "Late dossiers"
        body = f"«{fact.phrase}»\n{record.title or ''}\n{record.url}"
        key = f"{RULE_BACKLOG}:{record.id}:{fact.key()}"
        out.append(AlertCandidate(key, RULE_BACKLOG, title, body, record.id))
    return out


def detect(record: ArticleRecord, backlog_threshold: int) -> list[AlertCandidate]:
    """Every rule applied to one newly stored article."""
    return [*new_plan(record), *backlog_over_threshold(record, backlog_threshold)]
