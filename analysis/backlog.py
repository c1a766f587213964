"""Late-dossier counts ("1.416 hồ sơ trễ hạn") and on-time rates ("đúng hạn ... 98,5%")."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from analysis import tables
from cchc_monitor.models import Fact
from cchc_monitor.text import NUMBER, clause_end, clause_start, lower_same_length, parse_number

# "N hồ sơ" (N dossiers), "N bộ hồ sơ" (sets), "N trường hợp" (cases): found from the noun (a cheap
# literal scan), then the number just before it, maybe in thousands ("1,3 ngàn hồ sơ" = 1,300).
DOSSIER_RE = re.compile(r"hồ\s+sơ|trường\s+hợp")
DOSSIER_WORD_RE, CASE_WORD_RE = re.compile(r"hồ\s+sơ"), re.compile(r"trường\s+hợp")  # each a fast literal scan
NUMBER_BEFORE_RE = re.compile(rf"(?<![\d.,])({NUMBER})\s+(?:(ngàn|nghìn)\s+)?(?:bộ\s+)?$")
PROCEDURE_RE = re.compile(r"hồ\s+sơ|thủ\s+tục|tthc")  # dossiers, (administrative) procedures
# "12/1.500 hồ sơ": a part of a total, the part is the count.
SHARE_OF_RE = re.compile(rf"(?<![\d.,/])({NUMBER})\s*/\s*\d$")
# "số hồ sơ trễ hạn là 245", "quá hạn: 12", "quá hạn còn 154": the count after the keyword, with no noun after it.
LATE_THEN_NUMBER_RE = re.compile(
    rf"(?:trễ|quá|chậm)\s+h[ạẹ]n\s*(?:là|:|có|còn)\s*(?<![\d.,])({NUMBER})"
    r"(?!\d|[.,]\d|\s*(?:%|ngày|giờ|tháng|năm|phút|lần|hồ\s+sơ|trường\s+hợp|ngàn|nghìn|triệu))"
)
# No late dossier at all: "không có hồ sơ (nào) (bị) trễ hạn" (a zero count).
ZERO_RE = re.compile(r"không\s+có\s+hồ\s+sơ\s+(?:nào\s+)?(?:bị\s+)?(?:giải\s+quyết\s+)?(?:trễ|quá|chậm)\s+h[ạẹ]n")
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
# A provincial department (Sở, capitalised in the text) and the provincial public-service centre
# (Trung tâm Phục vụ hành chính công, with no lower tier after it) are the province tier.
TIER_RE = re.compile(  # matched on lower-cased text
    r"cấp\s+(tỉnh|huyện|thành\s+phố|xã)|(toàn\s+tỉnh|tỉnh|sở(?=\s)|trung\s+tâm\s+phục\s+vụ\s+hành\s+chính\s+công"
    r"(?!\s+(?:cấp\s+)?(?:huyện|xã|phường|quận|thị|thành\s+phố)))|(toàn\s+huyện|huyện|quận|thị\s+xã)|"
    r"(thành\s+phố)|(xã|phường|thị\s+trấn|đặc\s+khu)"
)
# "trên địa bàn tỉnh" (within the province) places a unit, it does not give a figure's tier.
LOCATIVE_BEFORE_RE = re.compile(r"(?:địa\s+bàn|trong)\s+$")
# on time, on time and early, early and on time (matched on lower-cased text)
ON_TIME_RE = re.compile(r"(?:đúng\s+và\s+trước|trước\s+và\s+đúng|đúng)\s+h[ạẹ]n")
PERCENT_RE = re.compile(rf"({NUMBER})\s?%")
# The share written before its deadline word: "tỷ lệ giải quyết 100% thủ tục ... đúng hạn",
# "trên 98% hồ sơ được giải quyết đúng hạn" (no comma, figure or other measure between); found
# from the deadline word, looking back at most RATE_LOOKBACK characters.
RATE_BEFORE_RE = re.compile(
    rf"(?:(t[ỷỉ]\s+lệ)[^\d%;.,\n]{{0,40}}?)?(?<![\d.,])({NUMBER})\s?%(?P<gap>[^\d%;.,\n]{{0,60}})$"
)
RATE_LOOKBACK = 120
RATE_GAP_BREAK_RE = re.compile(r"trực\s+tuyến|trễ|quá|chậm|tiếp\s+nhận")


TIER_LEVELS = {2: "tỉnh", 3: "huyện", 4: "thành phố", 5: "xã"}  # label of TIER_RE's groups 2-5
# The first word of every TIER_RE alternative: found by fast literal search, TIER_RE is then tried
# only there (scanning with its alternation would test every position of the text).
TIER_FIRST_WORDS = ("cấp", "toàn", "tỉnh", "sở", "trung", "huyện", "quận", "thị", "thành", "xã", "phường", "đặc")


def _tier_matches(low: str) -> list[re.Match[str]]:
    """What TIER_RE.finditer(low) finds, tried only where one of its first words stands."""
    positions = []
    for word in TIER_FIRST_WORDS:
        i = low.find(word)
        while i >= 0:
            positions.append(i)
            i = low.find(word, i + 1)
    found: list[re.Match[str]] = []
    last_end = 0
    for pos in sorted(positions):
        if pos >= last_end and (m := TIER_RE.match(low, pos)):
            found.append(m)
            last_end = m.end()
    return found


@dataclass(frozen=True)
class _Tiers:
    """Every tier word of one article, found in one scan and looked up by position."""

    starts: list[int]
    ends: list[int]
    levels: list[str]
    explicit: list[bool]  # "cấp huyện", "toàn tỉnh": said outright, not just a unit's name
    weak: list[bool]  # "trên địa bàn tỉnh": where a unit is, used only when nothing else is said
    low: str  # the lower-cased text the words were found in

    @classmethod
    def of(cls, text: str, end: int) -> _Tiers:
        """The tier words before `end` (no figure looks further)."""
        starts, ends, levels, explicit, weak = [], [], [], [], []
        low = lower_same_length(text[:end])
        for m in _tier_matches(low):
            before = low[max(0, m.start() - 5) : m.start()]
            if m.group() == "sở" and (text[m.start()] != "S" or before.endswith(("cơ ", "trụ "))):
                continue  # "sở" in running text ("cơ sở", "trụ sở") is not a department
            starts.append(m.start())
            ends.append(m.end())
            group = m.lastindex or 1
            levels.append(re.sub(r"\s+", " ", m.group(1)) if group == 1 else TIER_LEVELS[group])
            explicit.append(group == 1 or m.group().startswith(("toàn", "trung")) or m.group() == "sở")
            weak.append(bool(LOCATIVE_BEFORE_RE.search(low, max(0, m.start() - 12), m.start())))
        return cls(starts, ends, levels, explicit, weak, low)

    def last(self, start: int, end: int, explicit_only: bool = False) -> tuple[str | None, int | None]:
        """(level, position) of the last tier word inside [start, end); a locative one only when
        the range holds no other."""
        i = bisect_right(self.ends, end) - 1
        fallback: tuple[str | None, int | None] = (None, None)
        while i >= 0 and self.starts[i] >= start:
            if self.explicit[i] or not explicit_only:
                if not self.weak[i]:
                    return self.levels[i], self.starts[i]
                if fallback[0] is None:
                    fallback = (self.levels[i], self.starts[i])
            i -= 1
        return fallback

    def joined(self, at: int) -> bool:
        """The tier word at `at` ends a list of two tiers ("cấp huyện, cấp xã", "huyện và xã"):
        the figure is the tiers' together, with no single level."""
        i = bisect_right(self.starts, at) - 1
        if i < 1 or self.starts[i] != at:
            return False
        gap = self._text_gap(i)
        return self.levels[i - 1] != self.levels[i] and bool(re.fullmatch(r"\s*(?:,|và|-)\s*(?:cấp\s+)?", gap))

    def _text_gap(self, i: int) -> str:
        return self.low[self.ends[i - 1] : self.starts[i]]


# "Phù Cát 19 hồ sơ": a count right after a place name is that unit's own figure, with no tier word.
NAMED_UNIT_RE = re.compile(r"(?:^|[(,;]\s*)(?:[A-ZĐ][^\W\d_]*\s+){1,3}$")


CONTEXT_SPAN = 2000  # how far back a figure looks for the tier of its paragraph


def _context_tier(text: str, tiers: _Tiers, clause_begin: int) -> str | None:
    """The tier a figure inherits when its clause names none: the last tier word of the paragraph
    (one said outright first), else one said outright in the three paragraphs before ("Với cấp
    tỉnh, ... Trong số ..."; a photo caption naming a ward between does not count), else any tier
    word of the paragraph just before."""
    floor = max(0, clause_begin - CONTEXT_SPAN)  # bounded, so a long text costs linear time
    bounds = [clause_begin]
    while len(bounds) < 4 and bounds[-1] > floor:
        bounds.append(max(text.rfind("\n\n", floor, bounds[-1]), floor))
    paragraphs = list(zip(bounds[1:], bounds, strict=False))  # the figure's paragraph first
    level = tiers.last(*paragraphs[0], explicit_only=True)[0] if paragraphs else None
    if level is None and paragraphs:
        level = tiers.last(*paragraphs[0])[0]
    for start, end in paragraphs[1:]:
        level = level or tiers.last(start, end, explicit_only=True)[0]
    for start, end in paragraphs[1:2]:
        level = level or tiers.last(start, end)[0]
    return level


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
    """ "1.416 hồ sơ": where it starts and ends, the number as written and its multiplier."""

    start: int
    end: int
    number: str
    thousands: bool = False  # "1,3 ngàn hồ sơ"
    late_before: bool = False  # "trễ hạn là 245", "không có hồ sơ trễ hạn": tied to the keyword already

    @property
    def count(self) -> int:
        return round(parse_number(self.number) * (1000 if self.thousands else 1))


def _counts(text: str, low: str) -> list[_Count]:
    """Every dossier count in text order, with the counts written after their keyword."""
    found = []
    for hit in sorted([*DOSSIER_WORD_RE.finditer(low), *CASE_WORD_RE.finditer(low)], key=lambda m: m.start()):
        num = NUMBER_BEFORE_RE.search(low, max(0, hit.start() - 32), hit.start())
        if num is None:
            continue
        if hit.group().startswith("trường") and not PROCEDURE_RE.search(low, max(0, hit.start() - 200), hit.end() + 60):
            continue  # "5 trường hợp" (cases) count only where dossiers or procedures are meant
        share = SHARE_OF_RE.search(low, max(0, num.start() - 12), num.start() + 1)
        if share:  # "12/1.500 hồ sơ trễ hạn": 12 of 1,500 dossiers
            found.append(_Count(share.start(1), hit.end(), share.group(1)))
        else:
            found.append(_Count(num.start(), hit.end(), num.group(1), bool(num.group(2))))
    for m in LATE_THEN_NUMBER_RE.finditer(low):
        if DOSSIER_RE.search(low, max(0, m.start() - 60), m.start()) and not _is_reception(low, m.start()):
            found.append(_Count(m.start(1), m.end(1), m.group(1), late_before=True))
    for m in ZERO_RE.finditer(low):
        found.append(_Count(m.start(), m.end(), "0", late_before=True))
    return sorted(found, key=lambda c: c.start)


def _is_reception(low: str, late_start: int) -> bool:
    """The late keyword at `late_start` is about late reception ("tiếp nhận trễ hạn")."""
    return bool(LATE_RECEPTION_RE.search(low[max(0, late_start - 30) : late_start + 12]))


def _figure(text: str, tiers: _Tiers, m: _Count, after: bool) -> Fact:
    """The fact for one late count: its tier (a tier word just before it, else one said outright
    in its clause, else its paragraph's) and the phrase from the tier word to the keyword."""
    begin = clause_start(text, m.start, limit=240)
    window_start = max(begin, m.start - 60)
    level, at = tiers.last(window_start, m.start)
    if level is None:
        level, at = tiers.last(begin, m.start, explicit_only=True)
    begin = max(begin, m.start - 120) if at is None else begin
    if at is not None and tiers.joined(at):
        level = None  # "cấp huyện, cấp xã": both tiers together
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
    return Fact("backlog", phrase, start, start + len(phrase), float(m.count), {"level": level})


def backlog_figures(text: str) -> list[Fact]:
    """Counts of dossiers handled late or still overdue, each count once, with tier and phrase.

    A count repeated in the text is one figure; where the first mention (often the headline)
    gives no tier and a later one does, the later mention is kept.
    """
    tiers: _Tiers | None = None  # built on the first late count: most articles have none
    by_count: dict[float, Fact] = {}
    counts = _counts(text, lower_same_length(text))
    for m in counts:
        after = not m.late_before and _is_late_after(text, m.end)
        if not (after or m.late_before or _is_late_before(text, m.start)):
            continue
        if CHANGE_BEFORE_RE.search(text, max(0, m.start - 20), m.start):
            continue
        tiers = tiers or _Tiers.of(text, counts[-1].start)
        fact = _figure(text, tiers, m, after)
        known = by_count.get(fact.value or 0.0)
        if known is None or (known.attrs["level"] is None and fact.attrs["level"] is not None):
            by_count[fact.value or 0.0] = fact
    for fact in tables.status_tables(text).late:
        by_count.setdefault(fact.value or 0.0, fact)
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
    for key in ON_TIME_RE.finditer(low):
        share = RATE_BEFORE_RE.search(low, max(0, key.start() - RATE_LOOKBACK), key.start())
        if share is None:
            continue
        value = parse_number(share.group(2))
        gap = share.group("gap")
        if value > 100 or value in seen or RATE_GAP_BREAK_RE.search(share.group()):
            continue
        if not share.group(1) and "hồ sơ" not in gap and "thủ tục" not in gap:
            continue  # without "tỷ lệ", the share must be of dossiers or procedures
        seen.add(value)
        facts.append(Fact("on_time_rate", text[share.start() : key.end()], share.start(), key.end(), value, {}))
    for fact in tables.status_tables(text).on_time:
        if fact.value is not None and fact.value not in seen:
            seen.add(fact.value)
            facts.append(fact)
    return sorted(facts, key=lambda f: f.start)
