"""Index scores: PAR INDEX (Chỉ số CCHC), SIPAS, PAPI, PCI; value, max, year, rank."""

from __future__ import annotations

import re

from analysis.text import NUMBER, clause_start, parse_number
from cchc_monitor.models import Fact

# Index names as written (Vietnamese or acronym) → canonical index.
INDEX_NAMES = [
    (re.compile(r"PAR\s*INDEX|chỉ\s+số\s+(?:CCHC|cải\s+cách\s+hành\s+chính)|cải\s+cách\s+hành\s+chính|CCHC", re.I), "PAR INDEX"),
    (re.compile(r"SIPAS|(?:chỉ\s+số\s+)?(?:mức\s+độ\s+)?hài\s+lòng", re.I), "SIPAS"),
    (re.compile(r"PAPI|hiệu\s+quả\s+quản\s+trị\s+và\s+hành\s+chính\s+công", re.I), "PAPI"),
    (re.compile(r"PCI|năng\s+lực\s+cạnh\s+tranh", re.I), "PCI"),
]
# "đạt 93,36/100 điểm", "với 46,0415 điểm", "đạt 91,80%".
VALUE_RE = re.compile(
    rf"(?:đạt|được|với|là|mức\s+điểm|số\s+điểm|tổng\s+điểm)\s*(?:kết\s+quả\s+)?({NUMBER})"
    rf"(?:\s*/\s*({NUMBER}))?\s*(điểm|%)?",
    re.I,
)
RANK_RE = re.compile(r"(?:xếp\s+(?:thứ|hạng|vị\s+trí\s+thứ)|đứng\s+thứ|vị\s+trí\s+thứ)\s+(\d{1,2})(?:\s*/\s*(\d{1,2}))?", re.I)
YEAR_RE = re.compile(r"năm\s+(20\d\d)")
CHANGE_RE = re.compile(rf"(tăng|giảm)\s+({NUMBER})\s+(?:điểm|bậc)", re.I)


def _index_before(text: str, pos: int, begin: int) -> str | None:
    window = text[begin:pos]
    best: tuple[int, str] | None = None
    for pattern, name in INDEX_NAMES:
        for m in pattern.finditer(window):
            if best is None or m.start() > best[0]:
                best = (m.start(), name)
    return best[1] if best else None


def _year_near(text: str, begin: int, end: int) -> int | None:
    years = YEAR_RE.findall(text[begin:end])
    return int(years[-1]) if years else None


def scores(text: str) -> list[Fact]:
    """Index values and ranks tied to a named index in the same clause, each value once."""
    facts: list[Fact] = []
    seen: set[tuple[str, float | None, str | None]] = set()
    for m in VALUE_RE.finditer(text):
        unit = m.group(3)
        if not unit and not m.group(2):
            continue
        begin = clause_start(text, m.start(), limit=200)
        index = _index_before(text, m.start(), begin)
        if index is None:
            continue
        value = parse_number(m.group(1))
        top = parse_number(m.group(2)) if m.group(2) else None
        if unit == "%" and value > 100 or top is not None and value > top:
            continue
        rank = RANK_RE.search(text, m.end(), m.end() + 80)
        key = (index, value, None)
        if key in seen:
            continue
        seen.add(key)
        change = CHANGE_RE.match(text, m.end() + 1) or CHANGE_RE.search(text[m.end() : m.end() + 20])
        attrs = {
            "index": index,
            "max": top,
            "year": _year_near(text, begin, m.end()),
            "rank": f"{rank.group(1)}/{rank.group(2)}" if rank and rank.group(2) else None,
            "change": change.group(0) if change else None,
        }
        facts.append(Fact("score", text[m.start() : m.end()], m.start(), m.end(), value, attrs))
    for m in RANK_RE.finditer(text):
        if not m.group(2) or any(f.start <= m.start() <= f.end + 80 for f in facts):
            continue
        begin = clause_start(text, m.start(), limit=200)
        index = _index_before(text, m.start(), begin)
        rank = f"{m.group(1)}/{m.group(2)}"
        if index is None or (index, None, rank) in seen:
            continue
        seen.add((index, None, rank))
        attrs = {"index": index, "max": None, "year": _year_near(text, begin, m.end()), "rank": rank, "change": None}
        facts.append(Fact("score", text[m.start() : m.end()], m.start(), m.end(), None, attrs))
    return sorted(facts, key=lambda f: f.start)
