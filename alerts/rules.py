"""Detection rules: which stored facts deserve an alert; each candidate has a key unique per rule and fact."""

from __future__ import annotations

from datetime import date

from cchc_monitor.errors import GONE, LAYOUT_CHANGED
from cchc_monitor.gazetteer import current_province
from cchc_monitor.keys import plan_key
from cchc_monitor.models import AlertCandidate, ArticleRecord, SourceHealth

RULE_NEW_PLAN = "new_plan"
RULE_BACKLOG = "backlog_threshold"
RULE_SOURCE_LAYOUT = "source_layout_changed"
RULE_SOURCE_GONE = "source_gone"
RULE_SOURCE_UNHEALTHY = "source_unhealthy"
UNHEALTHY_AFTER = 3  # consecutive failing cycles (the same threshold as v_source_health.unhealthy)


def _where(record: ArticleRecord) -> str:
    an = record.analysis
    place = ", ".join(p for p in (an.locality, an.province) if p)
    return place or record.source_id


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def new_plan(record: ArticleRecord) -> list[AlertCandidate]:
    """A new CCHC plan: keyed by the plan's identity (number, year, province, local issuer) when the
    article cites one, else by the article's story."""
    if record.analysis.category != "plan":
        return []
    plans = [f for f in record.analysis.of_kind("document") if f.attrs.get("type") == "Kế hoạch"]
    province = record.analysis.province
    identity = plan_key(plans[-1].attrs["number"], _date(plans[-1].attrs.get("date")), record.published,
                        (current_province(province) or province) if province else None,
                        plans[-1].attrs.get("issued_by")) if plans else (record.cluster_id or record.id)
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
        # once per story and figure: a copy, or the headline repeating the figure, is the same fact
        key = f"{RULE_BACKLOG}:{record.cluster_id or record.id}:{level}:{count}"
        out.append(AlertCandidate(key, RULE_BACKLOG, title, body, record.id))
    return out


def detect(record: ArticleRecord, backlog_threshold: int) -> list[AlertCandidate]:
    """Every rule applied to one newly stored article."""
    return [*new_plan(record), *backlog_over_threshold(record, backlog_threshold)]


def source_broken(health: SourceHealth) -> list[AlertCandidate]:
    """A source that broke: its listing layout changed, it is gone (HTTP 410), or it failed three
    cycles in a row. Keyed by the last success, so one notice per breakage, not one per run."""
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
    return [AlertCandidate(f"{rule}:{health.source_id}:{since}", rule, title, body)]
