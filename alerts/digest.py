"""The morning digest for provincial and commune leaders: its content as frozen records, rendered to e-mail and chat."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from cchc_monitor.text import nfc, vn_date, vn_number

TEMPLATES = Path(__file__).with_name("templates")

CHAT_LIMIT = 2000  # Zalo refuses longer text messages
CHAT_TOP = 3  # lines shown per section in the chat summary
CHAT_NOTE = "Bản tin đầy đủ trong e-mail."  # "The full bulletin is in the e-mail."
CHAT_URL_LIMIT = 300  # longer links are left out of the chat rather than cut (a cut link is a wrong link)

# The trend chart: one table row per province, one bar (a coloured table cell) per report.
BAR_COLOUR = "#e07b24"  # used for the bars only, so a screenshot can find them
ZERO_COLOUR = "#c8ccd2"  # the 1-pixel stub shown for a report of zero late dossiers
CHART_WIDTH = 568  # the 600px layout less its padding
CHART_LABEL_WIDTH = 150  # the province column
CHART_BAR_HEIGHT = 64  # the tallest bar in pixels; every province is drawn on the same scale
CHART_MIN_BAR = 3  # a small non-zero count stays visible
CHART_POINTS = 6  # at most this many recent reports per province (the newest are kept)

# C0/C1 controls and the bidirectional overrides that could reorder what a reader sees.
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# http(s), a non-empty host, and nothing a browser would trim, fold or read as the end of an attribute
_WEB_URL_RE = re.compile(r"https?://[^\s\x00-\x1f\x7f/?#<>\"'`\\]+(?:[/?#][^\s\x00-\x1f\x7f<>\"'`\\]*)?", re.IGNORECASE)
_TIER_LABELS = {"tỉnh": "cấp tỉnh", "huyện": "cấp huyện", "thành phố": "cấp thành phố", "xã": "cấp xã"}


@dataclass(frozen=True)
class PlanLine:
    """A newly announced CCHC plan (kế hoạch)."""

    title: str
    url: str
    province: str | None
    number: str | None  # as written, e.g. "15/KH-UBND"
    year: int | None  # the year the plan is for
    issued_by: str | None  # the named local People's Committee, e.g. "xã Hướng Linh"


@dataclass(frozen=True)
class BacklogLine:
    """The late-dossier count of one locality in its latest report, with its previous report's count."""

    locality: str
    province: str | None
    tier: str | None  # "tỉnh", "huyện", "thành phố", "xã" or None
    count: int
    previous: int | None
    previous_date: date | None
    report_date: date | None
    url: str

    @property
    def change(self) -> int | None:
        """Count minus the previous report's count; None when there is no previous report."""
        return None if self.previous is None else self.count - self.previous


@dataclass(frozen=True)
class ScoreLine:
    """An index score (PAR INDEX, SIPAS, ...) of one entity, with its previous value and rank."""

    entity: str
    index_name: str
    value: float
    previous: float | None
    year: int | None
    rank: int | None
    previous_rank: int | None
    url: str


@dataclass(frozen=True)
class HealthLine:
    """A source that is failing (shown to operators only)."""

    source_id: str
    name: str
    reason: str  # a reason code, e.g. "parse.layout_changed"
    failures: int  # cycles in a row
    url: str


@dataclass(frozen=True)
class TrendSeries:
    """Late-dossier counts of one province over its recent reports, oldest first."""

    province: str
    points: tuple[tuple[date, int], ...]


@dataclass(frozen=True)
class Digest:
    """Everything one recipient's morning digest shows; lines appear in the order given."""

    recipient: str
    day: date
    plans: tuple[PlanLine, ...]
    backlog: tuple[BacklogLine, ...]
    scores: tuple[ScoreLine, ...]
    health: tuple[HealthLine, ...]
    trends: tuple[TrendSeries, ...]
    operator: bool = False


@dataclass(frozen=True)
class RenderedEmail:
    """A digest as an e-mail: subject, HTML part and plain-text part."""

    subject: str
    html: str
    text: str


@dataclass(frozen=True)
class Change:
    """A change put into words: its direction, e.g. "tăng 312", and what it compares with."""

    kind: Literal["up", "down", "same", "new"]
    words: str
    since: str  # e.g. "so với báo cáo ngày 10/10/2026"; empty for "new"

    @property
    def text(self) -> str:
        """The whole phrase, e.g. "tăng 312 so với báo cáo ngày 10/10/2026"."""
        return f"{self.words} {self.since}".strip()


@dataclass(frozen=True)
class Bar:
    """One report in the chart: its value label, date label and bar height in pixels."""

    value: str
    day: str
    height: int
    colour: str


@dataclass(frozen=True)
class ChartRow:
    """One province in the chart and its text fallback, e.g. "Đồng Tháp: 120 → 98 → 150"."""

    province: str
    bars: tuple[Bar, ...]
    fallback: str


@dataclass(frozen=True)
class Chart:
    """The trend chart's rows and column geometry."""

    rows: tuple[ChartRow, ...]
    columns: int  # the most reports of any province
    column_width: int
    bar_width: int
    width: int = CHART_WIDTH
    label_width: int = CHART_LABEL_WIDTH


def clean(text: str | None, limit: int = 300) -> str:
    """Untrusted text on one line: NFC, controls and direction overrides removed, spaces folded, cut to `limit`."""
    text = " ".join(_CONTROL_RE.sub(" ", nfc(text or "")).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def web_url(url: str | None) -> str | None:
    """The URL when it is a plain http(s) address that may be a link, else None (then it is shown as text)."""
    return url if url and _WEB_URL_RE.fullmatch(url) else None


def tier_label(tier: str | None) -> str:
    """ "xã" → "cấp xã" (commune level); None → ""."""
    if not tier:
        return ""
    return _TIER_LABELS.get(tier, clean(tier, 40))


def issuer_label(issued_by: str) -> str:
    """ "xã Hướng Linh" → "UBND xã Hướng Linh" (the commune's People's Committee)."""
    name = clean(issued_by, 120)
    return name if name.upper().startswith("UBND") else f"UBND {name}"


def backlog_change(line: BacklogLine) -> Change:
    """ "tăng 312 so với báo cáo ngày 10/10/2026" (up), "giảm ..." (down), "không đổi ..." (same) or "mới" (new)."""
    change = line.change
    if change is None:
        return Change("new", "mới", "")  # "new": no earlier report of this locality
    since = (f"so với báo cáo ngày {vn_date(line.previous_date)}" if line.previous_date  # "than the report of"
             else "so với báo cáo trước")  # "than the previous report"
    if change > 0:
        return Change("up", f"tăng {vn_number(change)}", since)
    if change < 0:
        return Change("down", f"giảm {vn_number(-change)}", since)
    return Change("same", "không đổi", since)  # "unchanged"


def score_change(line: ScoreLine) -> Change | None:
    """The score against its previous value: "tăng 8,7" (up), "giảm 1,2" (down), "không đổi"; None if unknown."""
    if line.previous is None:
        return None
    delta = round(line.value - line.previous, 4)
    if delta > 0:
        return Change("up", f"tăng {vn_number(delta)}", "")
    if delta < 0:
        return Change("down", f"giảm {vn_number(-delta)}", "")
    return Change("same", "không đổi", "")


def rank_change(line: ScoreLine) -> Change | None:
    """The rank against the previous one: "lên 3 bậc" (up 3 places), "xuống 2 bậc" (down), "giữ nguyên" (kept)."""
    if line.rank is None or line.previous_rank is None:
        return None
    places = line.previous_rank - line.rank
    if places > 0:
        return Change("up", f"lên {places} bậc", "")
    if places < 0:
        return Change("down", f"xuống {-places} bậc", "")
    return Change("same", "giữ nguyên", "")


def trend_chart(trends: tuple[TrendSeries, ...]) -> Chart:
    """The bars of the trend chart, every province on one scale, and each province's text fallback."""
    series = [(clean(t.province, 60), t.points[-CHART_POINTS:]) for t in trends if t.points]
    columns = max((len(points) for _, points in series), default=1)
    top = max((count for _, points in series for _, count in points), default=0)
    column_width = (CHART_WIDTH - CHART_LABEL_WIDTH) // columns
    rows = []
    for province, points in series:
        bars = []
        for day, count in points:
            if count <= 0 or top <= 0:
                height, colour = 1, ZERO_COLOUR
            else:
                height, colour = max(CHART_MIN_BAR, round(CHART_BAR_HEIGHT * count / top)), BAR_COLOUR
            bars.append(Bar(vn_number(count), vn_date(day), height, colour))
        span = vn_date(points[0][0]) if len(points) == 1 else f"{vn_date(points[0][0])} – {vn_date(points[-1][0])}"
        fallback = f"{province}: {' → '.join(bar.value for bar in bars)} (báo cáo {span})"  # "reports of"
        rows.append(ChartRow(province, tuple(bars), fallback))
    return Chart(tuple(rows), columns, column_width, min(36, column_width - 16))


def subject(digest: Digest) -> str:
    """ "Bản tin CCHC sáng 01/12/2026" ("CCHC morning bulletin of ...")."""
    return f"Bản tin CCHC sáng {vn_date(digest.day)}"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=lambda name: name is not None and name.endswith(".html.j2"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(num=vn_number, vndate=vn_date, clean=clean, web_url=web_url, tier=tier_label,
                       issuer=issuer_label)
    env.globals.update(backlog_change=backlog_change, score_change=score_change, rank_change=rank_change,
                       bar_colour=BAR_COLOUR)
    return env


def _context(digest: Digest) -> dict[str, object]:
    return {"digest": digest, "subject": subject(digest), "chart": trend_chart(digest.trends)}


def render_email(digest: Digest) -> RenderedEmail:
    """The digest as a Vietnamese HTML e-mail (inline styles, the chart as a table) with a plain-text part."""
    env, context = _environment(), _context(digest)
    html = env.get_template("digest.html.j2").render(context)
    text = env.get_template("digest.txt.j2").render(context)
    return RenderedEmail(subject(digest), html, text)


def _fit(text: str, limit: int) -> str:
    """The text if it fits, else its first whole lines, "…" and a pointer to the e-mail, within `limit`."""
    text = text.strip()
    if len(text) <= limit:
        return text
    tail = f"\n…\n{CHAT_NOTE}"
    kept: list[str] = []
    size = 0
    for line in text.splitlines():
        if size + len(line) + 1 + len(tail) > limit:
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept).rstrip() + tail


def render_chat(digest: Digest, limit: int = CHAT_LIMIT) -> str:
    """A short plain-text summary for Zalo: counts per section and the first lines with links, at most `limit` chars."""
    text = _environment().get_template("digest_chat.txt.j2").render(
        _context(digest), top=CHAT_TOP, note=CHAT_NOTE, url_limit=CHAT_URL_LIMIT)
    return _fit(text, limit)
