"""Late-dossier counts ("1.416 hồ sơ trễ hạn") and on-time rates ("đúng hạn ... 98,5%")."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from cchc_monitor.models import Fact
from cchc_monitor.text import NUMBER, clause_end, clause_start, lower_same_length, parse_number

# "N hồ sơ" (N dossiers): found from "hồ sơ" (a cheap literal scan), then the number just before it.
DOSSIER_RE = re.compile(r"hồ\s+sơ")
NUMBER_BEFORE_RE = re.compile(rf"(?<![\d.,])({NUMBER})\s+$")
# Late or overdue against the processing deadline (trễ/quá/chậm hạn, trễ/quá hẹn).
LATE_RE = re.compile(r"(?:trễ|quá|chậm)\s+h[ạẹ]n", re.I)
# Words that, between a late keyword and a count, mean the count is something else.
# (on time, ahead of time, received, resolved, total, within the deadline)
BREAK_RE = re.compile(
    r"đúng\s+h[ạẹ]n|trước\s+h[ạẹ]n|tiếp\s+nhận|đã\s+giải\s+quyết|tổng\s+số|%|trong\s+hạn",
    re.I,
)
# A change, not a level: "giảm 300 hồ sơ" (down by), "tăng thêm 12 hồ sơ" (up by).
CHANGE_BEFORE_RE = re.compile(r"(?:giảm|tăng)\s+(?:thêm\s+|được\s+)?$", re.I)
# Late reception is not a late dossier ("tiếp nhận trễ hạn").
LATE_RECEPTION_RE = re.compile(r"tiếp\s+nhận\s+(?:hồ\s+sơ\s+)?(?:trễ|quá)\s+h[ạẹ]n", re.I)
# Tier words, nearest before the count wins (Vietnamese → level label).
TIER_RE = re.compile(  # matched on lower-cased text
    r"cấp\s+(tỉnh|huyện|thành\s+phố|xã)|(toàn\s+tỉnh|tỉnh)|(huyện|quận|thị\s+xã)|"
    r"(thành\s+phố)|(xã|phường|thị\s+trấn|đặc\s+khu)"
)
# on time, on time and early, early and on time (matched on lower-cased text)
ON_TIME_RE = re.compile(r"(?:đúng\s+và\s+trước|trước\s+và\s+đúng|đúng)\s+h[ạẹ]n")
PERCENT_RE = re.compile(rf"({NUMBER})\s?%")


TIER_LEVELS = {2: "tỉnh", 3: "huyện", 4: "thành phố", 5: "xã"}  # label of TIER_RE's groups 2-5


@dataclass(frozen=True)
class _Tiers:
    """Every tier word of one article, found in one scan and looked up by position."""

    starts: list[int]
    ends: list[int]
    levels: list[str]
    explicit: list[bool]  # "cấp huyện", "toàn tỉnh": said outright, not just a unit's name

    @classmethod
    def of(cls, text: str, end: int) -> _Tiers:
        """The tier words before `end` (no figure looks further)."""
        starts, ends, levels, explicit = [], [], [], []
        for m in TIER_RE.finditer(lower_same_length(text[:end])):
            starts.append(m.start())
            ends.append(m.end())
            group = m.lastindex or 1
            levels.append(re.sub(r"\s+", " ", m.group(1)) if group == 1 else TIER_LEVELS[group])
            explicit.append(group == 1 or m.group().startswith("toàn"))
        return cls(starts, ends, levels, explicit)

    def last(self, start: int, end: int, explicit_only: bool = False) -> tuple[str | None, int | None]:
        """(level, position) of the last tier word inside [start, end)."""
        i = bisect_right(self.ends, end) - 1
        while i >= 0 and self.starts[i] >= start:
            if self.explicit[i] or not explicit_only:
                return self.levels[i], self.starts[i]
            i -= 1
        return None, None


# "Phù Cát 19 hồ sơ": a count right after a place name is that unit's own figure, with no tier word.
NAMED_UNIT_RE = re.compile(r"(?:^|[(,;]\s*)(?:[A-ZĐ][^\W\d_]*\s+){1,3}$")


def _context_tier(text: str, tiers: _Tiers, clause_begin: int) -> str | None:
    """The tier a figure inherits when its clause names none: the last tier word of the paragraph
    (one said outright first) or, for a paragraph that names none, of the one before
    ("Với cấp tỉnh, ... Trong số ...")."""
    para = max(text.rfind("\n\n", 0, clause_begin), 0)
    previous = max(text.rfind("\n\n", 0, para), 0) if para else 0
    for start, end in ((para, clause_begin), (previous, para)):
        level = tiers.last(start, end, explicit_only=True)[0] or tiers.last(start, end)[0]
        if level is not None:
            return level
    return None


def _word_start(text: str, pos: int, floor: int) -> int:
    """`pos` moved back to the start of the word it falls in, not before `floor`."""
    while pos > floor and not text[pos - 1].isspace() and text[pos - 1] not in "(,;":
        pos -= 1
    return pos


def _is_late_after(text: str, end: int) -> bool:
    """A late keyword right after "N hồ sơ", in the same short phrase ("hồ sơ bị quá hạn"),
    before any other number or "và" (so "2.672 hồ sơ chưa đến hạn và 128 hồ sơ đã quá hạn" is not)."""
    tail = text[end : end + 40]
    stop = re.search(r"[,;.()\n\d]|\svà\s", tail)
    tail = tail[: stop.start()] if stop else tail
    return bool(LATE_RE.search(tail)) and not re.search(r"đúng|trước|chưa", tail, re.I)


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


@dataclass(frozen=True)
class _Count:
    """ "1.416 hồ sơ": where it starts and ends, and the number as written."""

    start: int
    end: int
    number: str


def _counts(text: str) -> list[_Count]:
    low = lower_same_length(text)
    found = []
    for hit in DOSSIER_RE.finditer(low):
        num = NUMBER_BEFORE_RE.search(text, max(0, hit.start() - 24), hit.start())
        if num:
            found.append(_Count(num.start(), hit.end(), num.group(1)))
    return found


def _figure(text: str, tiers: _Tiers, m: _Count, after: bool) -> Fact:
    """The fact for one late count: its tier and the phrase from the tier word to the keyword."""
    begin = clause_start(text, m.start, limit=120)
    window_start = max(begin, m.start - 60)
    level, at = tiers.last(window_start, m.start)
    if NAMED_UNIT_RE.search(text, max(0, m.start - 40), m.start):
        level, at = None, None  # "Phù Cát 19 hồ sơ": the named unit's own figure
        phrase_start = _word_start(text, max(begin, m.start - 30), begin)
    elif at is not None:
        phrase_start = at
    else:
        phrase_start = _word_start(text, max(begin, m.start - 30), begin)
        level = _context_tier(text, tiers, begin)
    phrase_end = m.end
    if after:
        tail = LATE_RE.search(text, m.end, m.end + 40)
        phrase_end = tail.end() if tail else m.end
    phrase = text[phrase_start:phrase_end].strip()
    start = text.index(phrase, phrase_start)
    count = int(parse_number(m.number))
    return Fact("backlog", phrase, start, start + len(phrase), float(count), {"level": level})


def backlog_figures(text: str) -> list[Fact]:
    """Counts of dossiers handled late or still overdue, each count once, with tier and phrase.

    A count repeated in the text is one figure; where the first mention (often the headline)
    gives no tier and a later one does, the later mention is kept.
    """
    tiers: _Tiers | None = None  # built on the first late count: most articles have none
    by_count: dict[float, Fact] = {}
    counts = _counts(text)
    for m in counts:
        after = _is_late_after(text, m.end)
        if not (after or _is_late_before(text, m.start)):
            continue
        if CHANGE_BEFORE_RE.search(text, max(0, m.start - 20), m.start):
            continue
        tiers = tiers or _Tiers.of(text, counts[-1].start)
        fact = _figure(text, tiers, m, after)
        known = by_count.get(fact.value or 0.0)
        if known is None or (known.attrs["level"] is None and fact.attrs["level"] is not None):
            by_count[fact.value or 0.0] = fact
    return sorted(by_count.values(), key=lambda f: f.start)


def on_time_rates(text: str) -> list[Fact]:
    """Percentages explicitly tied to "đúng hạn" / "đúng và trước hạn", each value once."""
    facts: list[Fact] = []
    seen: set[float] = set()
    low = lower_same_length(text)
    for m in ON_TIME_RE.finditer(low):
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
