"""Index scores: PAR INDEX (Chỉ số CCHC), SIPAS, PAPI, PCI, service index; value, max, year, rank, change."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cchc_monitor.models import Fact
from cchc_monitor.text import NUMBER, clause_end, clause_start, lower_same_length, parse_number

# Index names as written (Vietnamese or acronym) → canonical index; `explicit` names a formal index.
INDEX_NAMES: list[tuple[re.Pattern[str], str, bool]] = [
    (re.compile(r"par\s*index|chỉ\s+số\s+(?:cchc|cải\s+cách\s+hành\s+chính)"), "PAR INDEX", True),
    # "Kết quả (đánh giá,) xếp hạng cải cách hành chính": the reform assessment itself
    (re.compile(r"(?:xếp\s+hạng|kết\s+quả\s+(?:đánh\s+giá,?\s+)?(?:xếp\s+hạng\s+)?)\s*(?:công\s+tác\s+)?"
                r"(?:cchc|cải\s+cách\s+hành\s+chính)"), "PAR INDEX", True),
    (re.compile(r"sipas|hài\s+lòng\s+của\s+người\s+dân[^.;]{0,40}?đối\s+với\s+sự\s+phục\s+vụ\s+của\s+"
                r"(?:các\s+)?cơ\s+quan\s+hành\s+chính"), "SIPAS", True),
    # a local satisfaction rate (mức độ hài lòng), not the national SIPAS survey
    (re.compile(r"(?:chỉ\s+số\s+|mức\s+độ\s+)?hài\s+lòng"), "Mức độ hài lòng", False),
    (re.compile(r"papi|hiệu\s+quả\s+quản\s+trị\s+và\s+hành\s+chính\s+công"), "PAPI", True),
    (re.compile(r"\bpci\b|năng\s+lực\s+cạnh\s+tranh"), "PCI", True),
    # service index of the national public-service portal (người dân, doanh nghiệp)
    (re.compile(r"chỉ\s+số\s+phục\s+vụ\s+người\s+dân"), "Chỉ số phục vụ người dân, doanh nghiệp", True),
]
# "this index", "the index above", "category", or "Chỉ số" alone: the index was named before.
ANAPHORA_RE = re.compile(
    r"chỉ\s+số\s+(?:này|trên|đó)|hạng\s+mục|chỉ\s+số\s+thành\s+phần"
    r"|chỉ\s+số(?!\s+(?:cchc|cải|par|sipas|papi|pci|hài|năng|phục|hiệu|này|trên|đó|thành))"
)
# An index named right after its value, linked by "về" (in/for): "91,36 điểm về ... chỉ số phục vụ".
INDEX_AFTER_RE = re.compile(r"\s*,?\s*(?:về|trong|theo)\s+[^\d;.]{0,60}")
# A value, its maximum and unit: "93,36/100 điểm", "91,80%", "46,0415".
VALUE = rf"(?P<num>{NUMBER})(?:\s*/\s*(?P<max>{NUMBER}))?\s*(?P<unit>điểm|%)"
# A value after a verb: "đạt 93,36/100 điểm", "với mức điểm 46,0415", "là 95,56%", "lần lượt là A và B".
VALUE_RE = re.compile(
    rf"(?:đạt|được|với|là|ở\s+mức|mức\s+điểm|số\s+điểm|tổng\s+điểm)\s*(?:kết\s+quả\s+|mức\s+)?{VALUE}?"
)
# A value in parentheses after a name: "Đà Nẵng (90,25%)", "(đạt 91,14%)".
PAREN_VALUE_RE = re.compile(rf"\(\s*(?:đạt\s+)?{VALUE}\s*\)")
# The next value of a list: "43,9603 và 41,7754".
LIST_NEXT_RE = re.compile(rf"\s*(?:,|và)\s*{VALUE}?(?![\d/])")
MAX_AFTER_RE = re.compile(rf"\s*\(?\s*trên\s+tổng\s+(?:số\s+)?điểm\s+(?:là\s+)?(?P<max>{NUMBER})")
# What a count is of, so it is not a score: "19.536 người dân", "5 hồ sơ".
COUNT_NOUN_RE = re.compile(r"\s*(?:người|hồ\s+sơ|tỷ|triệu|nghìn|ngàn|đơn\s+vị|cơ\s+quan|lượt|ha|km|tháng|ngày|năm)\b")
# A rank: "xếp (hạng) (thứ) 14/63", "đứng thứ 13/34", "vị trí thứ 5/14", "hạng 07/63"; found from its
# digits, then the verb just before them is checked (much faster than scanning for the verbs).
RANK_DIGITS_RE = re.compile(r"(\d{1,2})\s*/\s*(\d{1,2})(?![\d/])")
RANK_VERB_RE = re.compile(r"(?:xếp\s+(?:hạng\s+)?(?:thứ\s+)?|đứng\s+(?:thứ\s+)?|vị\s+trí\s+(?:thứ\s+)?|hạng\s+)$")


@dataclass(frozen=True)
class _Rank:
    start: int  # where the verb begins
    end: int
    text: str  # "14/63"


def _ranks(low: str, start: int = 0, end: int | None = None) -> list[_Rank]:
    """Ranks between start and end, in text order."""
    found = []
    for m in RANK_DIGITS_RE.finditer(low, start, len(low) if end is None else end):
        verb = RANK_VERB_RE.search(low, max(0, m.start() - 24), m.start())
        if verb:
            found.append(_Rank(verb.start(), m.end(), f"{m.group(1)}/{m.group(2)}"))
    return found


# After a rank, the units ranked: provinces, ministries, localities.
RANKED_UNITS_RE = re.compile(r"\s*(?:tỉnh|thành|địa\s+phương|bộ|sở|đơn\s+vị)")
# What else a province may be ranked by: dossiers, growth, GRDP, revenue, investment, exports.
OTHER_MEASURE_RE = re.compile(r"hồ\s+sơ|h[ạẹ]n\b|tăng\s+trưởng|grdp|thu\s+ngân\s+sách|vốn|xuất\s+khẩu|doanh\s+thu")
# The year a value is for; "so với năm 2021" (compared with) names the baseline, not the year.
YEAR_RE = re.compile(r"(?<!so với )(?:năm|quý\s+[iv]+/|index|papi|sipas|pci|cchc)\s*(20\d\d)\b")
CHANGE_RE = re.compile(rf"(?:tăng|giảm)\s+({NUMBER})\s+(?:điểm|bậc)")


@dataclass(frozen=True)
class _Index:
    name: str
    explicit: bool


# All index names in one pattern, one group each, so a window is scanned once.
INDEX_RE = re.compile("|".join(f"(?P<i{n}>{pattern.pattern})" for n, (pattern, _, _) in enumerate(INDEX_NAMES)))


def _last_index(window: str) -> _Index | None:
    """The index named last in the window (lower-cased text)."""
    matches = list(INDEX_RE.finditer(window))
    last = matches[-1] if matches else None
    if last is None or last.lastgroup is None:
        return None
    _, name, explicit = INDEX_NAMES[int(last.lastgroup[1:])]
    return _Index(name, explicit)


def _index_for(text: str, start: int, end: int) -> _Index | None:
    """The index a value at [start, end) belongs to: named before it in the clause, just after it,
    or, when the clause says "chỉ số này" / "hạng mục", in the sentences before."""
    begin = clause_start(text, start, limit=250)
    found = _last_index(text[begin:start])
    if found:
        return found
    linked = INDEX_AFTER_RE.match(text, end)  # "đạt 91,36 điểm về kết quả đánh giá chỉ số ..."
    if linked:
        found = _last_index(linked.group())
        if found:
            return found
    if ANAPHORA_RE.search(text[begin:end]):
        return _last_index(text[max(0, begin - 400) : begin])
    return None


def _year(text: str, start: int, end: int) -> int | None:
    begin = clause_start(text, start, limit=250)
    years = YEAR_RE.findall(text[begin:end])
    if years:
        return int(years[-1])
    years = YEAR_RE.findall(text[max(0, begin - 300) : begin])
    return int(years[-1]) if years else None


def _candidates(text: str) -> list[re.Match[str]]:
    """Value matches in text order, list continuations included."""
    found = sorted([*VALUE_RE.finditer(text), *PAREN_VALUE_RE.finditer(text)], key=lambda m: m.start())
    out: list[re.Match[str]] = []
    for m in found:
        if out and m.start() < out[-1].end():
            continue
        out.append(m)
        cursor = m
        while (nxt := LIST_NEXT_RE.match(text, cursor.end())) is not None:
            out.append(nxt)
            cursor = nxt
    return out


def _is_score_value(text: str, m: re.Match[str]) -> bool:
    num, unit, top = m.group("num"), m.group("unit"), m.group("max")
    if COUNT_NOUN_RE.match(text, m.end()):
        return False
    value = parse_number(num)
    if unit == "%" and value > 100 or top and value > parse_number(top):
        return False
    # a bare number is a score only when it has decimals ("42,3265"), not a year or a count
    return bool(unit or top or "," in num)


def scores(text: str) -> list[Fact]:
    """Index values and ranks tied to a named index, each value once, in text order.

    Patterns run on a lower-cased copy with the same offsets; phrases come from the text itself.
    """
    low = lower_same_length(text)
    facts: list[Fact] = []
    seen: set[tuple[str | None, float | None, str | None]] = set()
    used_ranks: set[int] = set()
    for m in _candidates(low):
        if not _is_score_value(low, m):
            continue
        index = _index_for(low, m.start(), m.end())
        if index is None:
            continue
        value = parse_number(m.group("num"))
        top = m.group("max") or (mx.group("max") if (mx := MAX_AFTER_RE.match(low, m.end())) else None)
        stop = min(clause_end(low, m.end(), limit=80), m.end() + 80)
        rank = next(iter(_ranks(low, m.end(), stop)), None)
        if rank and not VALUE_RE.search(low, m.end(), rank.start):
            used_ranks.add(rank.start)
        else:
            rank = None
        if (index.name, value, None) in seen:
            continue
        seen.add((index.name, value, None))
        change = CHANGE_RE.search(low, m.end(), stop)
        facts.append(_fact(text, low, m.start(), m.end(), value, index, top, rank, change))
    for rank in _ranks(low):
        if rank.start in used_ranks:
            continue
        rank_fact = _rank_only(text, low, rank)
        if rank_fact and (rank_fact.attrs["index"], None, rank_fact.attrs["rank"]) not in seen:
            seen.add((rank_fact.attrs["index"], None, rank_fact.attrs["rank"]))
            facts.append(rank_fact)
    return sorted(facts, key=lambda f: f.start)


def _rank_only(text: str, low: str, rank: _Rank) -> Fact | None:
    """A rank with no value ("xếp thứ 14/63 tỉnh"): kept when its clause names an index, or when
    provinces are ranked right after a sentence about a formal index and the clause measures
    nothing else (no dossiers, growth, revenue)."""
    index = _index_for(low, rank.start, rank.end)
    if index is None:
        begin = clause_start(low, rank.start, limit=250)
        context = _last_index(low[max(0, begin - 300) : begin])
        if (not RANKED_UNITS_RE.match(low, rank.end) or context is None or not context.explicit
                or OTHER_MEASURE_RE.search(low, begin, rank.start)):
            return None
    change = CHANGE_RE.search(low, rank.end, min(clause_end(low, rank.end, limit=60), rank.end + 60))
    return _fact(text, low, rank.start, rank.end, None, index, None, rank, change)


def _fact(text: str, low: str, start: int, end: int, value: float | None, index: _Index | None,
          top: str | None, rank: _Rank | None, change: re.Match[str] | None) -> Fact:
    attrs = {
        "index": index.name if index else None,
        "explicit": bool(index and index.explicit),
        "max": parse_number(top) if top else None,
        "year": _year(low, start, end),
        "rank": rank.text if rank else None,
        "change": text[change.start() : change.end()] if change else None,
    }
    return Fact("score", text[start:end], start, end, value, attrs)
