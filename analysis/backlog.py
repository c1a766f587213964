"""Late-dossier counts ("1.416 hồ sơ trễ hạn") and on-time rates ("đúng hạn ... 98,5%")."""

from __future__ import annotations

import re

from analysis.text import NUMBER, clause_end, clause_start, parse_number
from cchc_monitor.models import Fact

# "N hồ sơ" (N dossiers); "hồ sơ" may be followed by "TTHC".
COUNT_RE = re.compile(rf"(?<![\d.,])({NUMBER})\s+hồ\s+sơ", re.I)
# Late or overdue against the processing deadline (trễ/quá/chậm hạn, trễ/quá hẹn).
LATE_RE = re.compile(r"(?:trễ|quá|chậm)\s+h[ạẹ]n", re.I)
# Words that, between a late keyword and a count, mean the count is something else.
BREAK_RE = re.compile(
    r"đúng\s+h[ạẹ]n|trước\s+h[ạẹ]n|tiếp\s+nhận|đã\s+giải\s+quyết|tổng\s+số|%|trong\s+hạn",
    re.I,
)
# Late reception is not a late dossier ("tiếp nhận trễ hạn").
LATE_RECEPTION_RE = re.compile(r"tiếp\s+nhận\s+(?:hồ\s+sơ\s+)?(?:trễ|quá)\s+h[ạẹ]n", re.I)
# Tier words, nearest before the count wins (Vietnamese → level label).
TIER_RE = re.compile(
    r"cấp\s+(tỉnh|huyện|thành\s+phố|xã)|(toàn\s+tỉnh|tỉnh)|(huyện|quận|thị\s+xã)|"
    r"(thành\s+phố)|(xã|phường|thị\s+trấn|đặc\s+khu)",
    re.I,
)
ON_TIME_RE = re.compile(r"(?:đúng\s+và\s+trước|trước\s+và\s+đúng|đúng)\s+h[ạẹ]n", re.I)
PERCENT_RE = re.compile(rf"({NUMBER})\s?%")


def _tier(window: str) -> tuple[str | None, int | None]:
    """The last tier word in the window: (level label, its offset in the window)."""
    level, at = None, None
    for m in TIER_RE.finditer(window):
        at = m.start()
        if m.group(1):
            level = re.sub(r"\s+", " ", m.group(1).lower())
        elif m.group(2):
            level = "tỉnh"
        elif m.group(3):
            level = "huyện"
        elif m.group(4):
            level = "thành phố"
        else:
            level = "xã"
    return level, at


def _word_start(text: str, pos: int, floor: int) -> int:
    """`pos` moved back to the start of the word it falls in, not before `floor`."""
    while pos > floor and not text[pos - 1].isspace() and text[pos - 1] not in "(,;":
        pos -= 1
    return pos


def _is_late_after(text: str, end: int) -> bool:
    """A late keyword right after "N hồ sơ", in the same short phrase ("hồ sơ bị quá hạn")."""
    tail = text[end : end + 40]
    stop = re.search(r"[,;.()\n]", tail)
    tail = tail[: stop.start()] if stop else tail
    return bool(LATE_RE.search(tail)) and not re.search(r"đúng|trước", tail, re.I)


def _is_late_before(text: str, start: int) -> bool:
    """A late keyword earlier in the clause, with nothing between that makes it another count."""
    begin = clause_start(text, start, limit=240)
    window = text[begin:start]
    lates = list(LATE_RE.finditer(window))
    if not lates:
        return False
    last = lates[-1]
    if LATE_RECEPTION_RE.search(window[max(0, last.start() - 20) : last.end()]):
        return False
    return not BREAK_RE.search(window[last.end() :])


def backlog_figures(text: str) -> list[Fact]:
    """Counts of dossiers handled late or still overdue, each once, with tier and phrase."""
    facts: list[Fact] = []
    seen: set[int] = set()
    for m in COUNT_RE.finditer(text):
        after = _is_late_after(text, m.end())
        if not (after or _is_late_before(text, m.start())):
            continue
        if re.match(r"\s*(?:,\s*)?(?:chiếm|đạt)?\s*(?:tỷ\s+lệ)?\s*[\d,]+\s?%", text[m.end() : m.end() + 6]):
            continue
        count = int(parse_number(m.group(1)))
        if count in seen:
            continue
        seen.add(count)
        begin = clause_start(text, m.start(), limit=120)
        window_start = max(begin, m.start() - 60)
        level, at = _tier(text[window_start : m.start()])
        if at is not None:
            phrase_start = window_start + at
        else:
            phrase_start = _word_start(text, max(begin, m.start() - 30), begin)
        phrase_end = m.end()
        if after:
            tail = LATE_RE.search(text, m.end(), m.end() + 40)
            phrase_end = tail.end() if tail else m.end()
        phrase = text[phrase_start:phrase_end].strip()
        start = text.index(phrase, phrase_start)
        facts.append(
            Fact("backlog", phrase, start, start + len(phrase), float(count), {"level": level})
        )
    return facts


def on_time_rates(text: str) -> list[Fact]:
    """Percentages explicitly tied to "đúng hạn" / "đúng và trước hạn", each value once."""
    facts: list[Fact] = []
    seen: set[float] = set()
    for m in ON_TIME_RE.finditer(text):
        end = min(clause_end(text, m.end(), limit=90), m.end() + 90)
        pct = PERCENT_RE.search(text, m.end(), end)
        if not pct:
            continue
        between = text[m.end() : pct.start()]
        if LATE_RE.search(between) or "trễ" in between.lower():
            continue
        value = parse_number(pct.group(1))
        if value > 100 or value in seen:
            continue
        seen.add(value)
        facts.append(
            Fact("on_time_rate", text[m.start() : pct.end()], m.start(), pct.end(), value, {})
        )
    return facts
