"""Index scores: PAR INDEX (Chỉ số CCHC), SIPAS, PAPI, PCI, service index; value, max, year, rank, change."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from analysis.ranks import RANK_RE, Rank, find_ranks, rank_year, year_of
from cchc_monitor.models import Fact
from cchc_monitor.text import clause_end, clause_start, lower_same_length, parse_number

# Index names as written (Vietnamese or acronym) → canonical index; `explicit` names a formal index.
# All patterns run on lower-cased text, so "PAR Index", "Par index" and "PAR-INDEX" are one name.
# Each pattern starts with a literal, so the regex engine scans for it quickly (one alternation of
# them all would test every position of the text).
INDEX_NAMES: list[tuple[re.Pattern[str], str, bool]] = [
    (re.compile(r"par[\s-]*index"), "PAR INDEX", True),
    (re.compile(r"chỉ\s+số\s+(?:cchc|cải\s+cách\s+hành\s+chính)"), "PAR INDEX", True),
    # "Kết quả (đánh giá,) xếp hạng cải cách hành chính": the reform assessment itself
    (re.compile(r"xếp\s+hạng\s*(?:công\s+tác\s+)?(?:cchc|cải\s+cách\s+hành\s+chính)"), "PAR INDEX", True),
    (re.compile(r"kết\s+quả\s+(?:đánh\s+giá,?\s+)?(?:xếp\s+hạng\s+)?\s*(?:công\s+tác\s+)?"
                r"(?:cchc|cải\s+cách\s+hành\s+chính)"), "PAR INDEX", True),
    (re.compile(r"sipas"), "SIPAS", True),
    (re.compile(r"hài\s+lòng\s+của\s+người\s+dân[^.;]{0,40}?đối\s+với\s+sự\s+phục\s+vụ\s+của\s+"
                r"(?:các\s+)?cơ\s+quan\s+hành\s+chính"), "SIPAS", True),
    (re.compile(r"hài\s+lòng\s+về\s+sự\s+phục\s+vụ\s+hành\s+chính"), "SIPAS", True),
    # a local satisfaction rate (mức độ hài lòng), not the national SIPAS survey
    (re.compile(r"chỉ\s+số\s+hài\s+lòng"), "Mức độ hài lòng", False),
    (re.compile(r"mức\s+độ\s+hài\s+lòng"), "Mức độ hài lòng", False),
    (re.compile(r"hài\s+lòng"), "Mức độ hài lòng", False),
    (re.compile(r"papi"), "PAPI", True),
    (re.compile(r"hiệu\s+quả\s+quản\s+trị\s+và\s+hành\s+chính\s+công"), "PAPI", True),
    (re.compile(r"pci\b"), "PCI", True),  # a whole word: checked before it too
    (re.compile(r"năng\s+lực\s+cạnh\s+tranh"), "PCI", True),
    # service index of the national public-service portal (người dân, doanh nghiệp)
    (re.compile(r"chỉ\s+số\s+phục\s+vụ\s+người\s+dân"), "Chỉ số phục vụ người dân, doanh nghiệp", True),
]
# "this index", "category", "Chỉ số" alone: the index was named before.
ANAPHORA_RE = re.compile(r"chỉ\s+số\s+(?:này|trên|đó)|hạng\s+mục|chỉ\s+số\s+thành\s+phần")
# An index named right after its value or rank, linked by "về" (in/for): "91,36 điểm về ... chỉ số phục vụ".
INDEX_AFTER_RE = re.compile(
    r"\s*,?\s*(?:tỉnh|thành\s+phố|địa\s+phương|bộ)?[^\d;.]{0,12}?(?:về|trong|theo)\s+[^\d;.]{0,60}"
)
# A score number: "1.416" groups thousands; "90.17" (two decimals) cannot, so its dot is a decimal mark.
NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?(?![.\d])|\d+(?:[.,]\d+)?"
# A value, its maximum and unit: "93,36/100 điểm", "91,80%", "46,0415".
VALUE = rf"(?P<num>{NUM})(?:\s*/\s*(?P<max>{NUM}))?\s*(?P<unit>điểm|%)?"
# A value after a verb: "đạt 93,36/100 điểm", "với mức điểm 46,0415", "là 95,56%", "lần lượt là A và B".
VALUE_RE = re.compile(
    r"(?:đạt|được|với|là|ở\s+mức|mức\s+điểm|số\s+điểm|điểm\s+số|tổng\s+điểm|có)\s*"
    rf"(?:kết\s+quả\s+|mức\s+|điểm\s+số\s+|số\s+điểm\s+)?{VALUE}"
)
# A value in parentheses after a name: "Đà Nẵng (90,25%)", "(đạt 91,14%)".
PAREN_VALUE_RE = re.compile(rf"\(\s*(?:đạt\s+)?(?P<num>{NUM})(?:\s*/\s*(?P<max>{NUM}))?\s*(?P<unit>điểm|%)\s*\)")
# Satisfaction as a share of people: "85,48% người dân, tổ chức hài lòng" (found from "hài lòng").
SHARE_RE = re.compile(rf"(?P<num>{NUM})(?P<max>(?!))?(?P<unit>%)\s*(?:số\s+)?người\s+dân[^.;\d%]{{0,40}}$")
# The next value of a list, maybe after its entity: "43,9603 và 41,7754", "vùng A đạt 87,72%, vùng B 86,82%".
LIST_NEXT_RE = re.compile(
    rf"\s*(?:,|;|và)\s*(?:[^\W\d_][^\d,;.()\n%]{{0,40}}?\s)?(?:đạt\s+|với\s+|là\s+)?{VALUE}(?![\d/])"
)
MAX_AFTER_RE = re.compile(rf"\s*\(?\s*trên\s+tổng\s+(?:số\s+)?điểm\s+(?:là\s+)?(?P<max>{NUM})")
# What a count is of, so it is not a score: "19.536 người dân", "5 hồ sơ".
# A share of units, procedures or of a plan is not a score either: "100% xã", "95% kế hoạch".
COUNT_NOUN_RE = re.compile(
    r"\s*(?:người|hồ\s+sơ|tỷ|triệu|nghìn|ngàn|đơn\s+vị|cơ\s+quan|lượt|ha|km|tháng|ngày|năm|bậc"
    r"|xã|phường|thị\s+trấn|huyện|cán\s+bộ|công\s+chức|doanh\s+nghiệp|hộ|thủ\s+tục|tthc|dịch\s+vụ"
    r"|kế\s+hoạch|chỉ\s+tiêu|dự\s+toán|cùng\s+kỳ)\b"
)
# Just before a number, what makes it a change, a threshold, a range or a rank, not a level:
# higher/lower by, up/down, above/below, from, about, nearly, over, a share of, "45,5-45,7", "thứ 3".
NOT_LEVEL_BEFORE_RE = re.compile(
    r"(?:hơn|tăng|giảm|trên|dưới|từ|khoảng|gần|vượt|thêm|chiếm|thứ|hạng|trí\s+số|[-–])\s*(?:đạt\s+|là\s+|được\s+)?$"
)
# Before a value in its clause: a target or a scale, not a result (strive for, target, at least, total points).
TARGET_RE = re.compile(r"phấn\s+đấu|mục\s+tiêu|chỉ\s+tiêu|tối\s+thiểu|ít\s+nhất|thang\s+điểm|tổng\s+điểm\s+đánh\s+giá")
# What else a figure may measure: dossiers, deadlines, growth, GRDP, revenue, investment, exports, rates.
OTHER_MEASURE_RE = re.compile(
    r"hồ\s+sơ|h[ạẹ]n\b|tăng\s+trưởng|grdp|ngân\s+sách|vốn|xuất\s+khẩu|doanh\s+thu|giải\s+ngân|trực\s+tuyến"
    r"|t[ỷỉ]\s+lệ(?!\s+(?:người\s+dân\s+)?hài)|học\s+sinh|bảo\s+hiểm|giải\s+(?:nhất|nhì|ba)|đội\b|trận\b"
)
# After an index named in the clause, a word that turns to another measure: dossiers, a rate
# (not of satisfaction), online services, GRDP, budget, disbursement, exports, turnover.
MEASURE_SHIFT_RE = re.compile(
    r"hồ\s+sơ|t[ỷỉ]\s+lệ(?!\s+(?:người\s+dân\s+)?hài)|trực\s+tuyến|grdp|ngân\s+sách|giải\s+ngân|xuất\s+khẩu"
    r"|doanh\s+thu"
)
# Ranks given "respectively" ("thứ 5 và thứ 6 lần lượt là A, đạt X và B, đạt Y") go to the values in order.
RESPECTIVE_RE = re.compile(r"\s*(?:là\s+)?lần\s+lượt")
# A clause that points back at the result just given: with this (that, the above) result / score.
RESULT_ANAPHORA_RE = re.compile(r"\s*(?:với|từ)\s+(?:kết\s+quả|số\s+điểm|mức\s+điểm)\s+(?:này|trên|đó)")
CHANGE_RE = re.compile(r"(?:tăng|giảm)\s+(\d+(?:,\d+)?)\s+(?:điểm|bậc)")
TOPIC_SPAN = 1500  # how far back an index named once still governs the values listed after it


@dataclass(frozen=True)
class _Index:
    name: str
    explicit: bool


@dataclass(frozen=True)
class _Mentions:
    """Every index named in the article, in text order, looked up by position."""

    ends: list[int]
    indexes: list[_Index]

    @classmethod
    def of(cls, low: str) -> _Mentions:
        """Each name pattern scanned on its own; at one position the first listed wins, and a
        mention inside an earlier one does not count (as one alternation would match)."""
        found = []
        for order, (pattern, name, explicit) in enumerate(INDEX_NAMES):
            for m in pattern.finditer(low):
                if m.start() and low[m.start() - 1].isalnum():
                    continue
                found.append((m.start(), order, m.end(), _Index(name, explicit)))
        found.sort(key=lambda item: (item[0], item[1]))
        ends: list[int] = []
        indexes: list[_Index] = []
        last_end = -1
        for start, _, end, index in found:
            if start >= last_end:
                ends.append(end)
                indexes.append(index)
                last_end = end
            elif index.explicit and not indexes[-1].explicit:
                # "mức độ hài lòng của người dân đối với sự phục vụ của cơ quan hành chính": the
                # survey (SIPAS) named inside a generic satisfaction phrase is the survey
                ends[-1], indexes[-1], last_end = max(end, ends[-1]), index, max(end, ends[-1])
        return cls(ends, indexes)

    def first_explicit(self, start: int, end: int, name: str) -> _Index | None:
        """The index `name` when it is named inside (start, end]."""
        i = bisect_left(self.ends, start + 1)
        while i < len(self.ends) and self.ends[i] <= end:
            if self.indexes[i].name == name:
                return self.indexes[i]
            i += 1
        return None

    def explicit_names(self, start: int, end: int) -> set[str]:
        """The formal indexes named inside (start, end]."""
        i, names = bisect_left(self.ends, start + 1), set()
        while i < len(self.ends) and self.ends[i] <= end:
            if self.indexes[i].explicit:
                names.add(self.indexes[i].name)
            i += 1
        return names

    def last_end(self, start: int, end: int) -> int:
        """Where the index named last inside (start, end] ends (`start` when none is)."""
        i = bisect_left(self.ends, end + 1) - 1
        return self.ends[i] if i >= 0 and self.ends[i] > start else start

    def last(self, start: int, end: int) -> _Index | None:
        """The index named last that ends inside (start, end]."""
        i = bisect_left(self.ends, end + 1) - 1
        return self.indexes[i] if i >= 0 and self.ends[i] > start else None


def _last_index(window: str) -> _Index | None:
    """The index named last in a short window (lower-cased text)."""
    return _Mentions.of(window).last(0, len(window))


@dataclass
class _Value:
    start: int
    end: int
    value: float
    top: str | None
    unit: str | None
    index: _Index
    rank: Rank | None = None


def score_number(token: str, unit: str | None) -> float:
    """A score as written; a percentage whose dot cannot group thousands reads it as a decimal."""
    value = parse_number(token)
    if unit == "%" and value > 100 and "." in token and "," not in token:
        return float(token)
    return value


UNNAMED = _Index("", False)  # a rank of a reform index, but the text leaves open which one


def _index_for(low: str, mentions: _Mentions, start: int, end: int, alone: bool = False) -> _Index | None:
    """The index a value or rank at [start, end) belongs to: named before it in the clause, just
    after it ("... về Chỉ số CCHC"), or named once before in the article (within TOPIC_SPAN) when
    the clause measures nothing else; a rank `alone` after a passage naming several indexes is
    UNNAMED."""
    begin = clause_start(low, start, limit=250)
    found = mentions.last(begin, start)
    if found and not found.explicit and (sipas := mentions.first_explicit(begin, start, "SIPAS")):
        return sipas  # "SIPAS 2019: tỷ lệ người dân hài lòng ... đạt 84,45%"
    if found:
        # "Chỉ số CCHC ...; tỷ lệ hồ sơ đúng hạn đạt 98%": the clause moved on to another measure
        return None if MEASURE_SHIFT_RE.search(low, mentions.last_end(begin, start), start) else found
    linked = INDEX_AFTER_RE.match(low, end)
    if linked and (found := _last_index(linked.group())):
        return found
    if ANAPHORA_RE.search(low, begin, end) or not OTHER_MEASURE_RE.search(low, begin, end):
        topic = mentions.last(max(0, begin - TOPIC_SPAN), begin)
        if topic and alone and len(mentions.explicit_names(max(0, begin - 300), begin)) > 1:
            return UNNAMED
        return topic
    return None


def _satisfaction(low: str, start: int) -> _Index:
    """A share of satisfied people: SIPAS when its sentence names the service survey."""
    begin = clause_start(low, start, limit=300)
    window = low[begin : start + 120]
    sipas = _Mentions.of(window).first_explicit(0, len(window), "SIPAS")
    return sipas or _Index("Mức độ hài lòng", False)


def _candidates(low: str) -> list[re.Match[str]]:
    """Value matches in text order, list continuations included."""
    shares = [share for m in re.finditer(r"hài\s+lòng", low)
              if (share := SHARE_RE.search(low, max(0, m.start() - 70), m.start()))]
    found = sorted([*shares, *VALUE_RE.finditer(low), *PAREN_VALUE_RE.finditer(low)],
                   key=lambda m: (m.start("num"), m.re is not SHARE_RE))  # a share of people first
    out: list[re.Match[str]] = []
    for m in found:
        if out and m.start("num") < out[-1].end():
            continue
        out.append(m)
        cursor = m
        while (nxt := LIST_NEXT_RE.match(low, cursor.end())) is not None and _is_score_value(low, nxt):
            out.append(nxt)
            cursor = nxt
    return out


def _is_score_value(low: str, m: re.Match[str]) -> bool:
    num, unit, top = m.group("num"), m.group("unit"), m.group("max")
    if m.re is not SHARE_RE and COUNT_NOUN_RE.match(low, m.end()):
        return False
    if NOT_LEVEL_BEFORE_RE.search(low, max(0, m.start("num") - 16), m.start("num")):
        return False
    value = score_number(num, unit)
    if unit == "%" and value > 100 or top and value > parse_number(top):
        return False
    # a bare number is a score only when it has decimals ("42,3265", "8,3/10"), not a year, a count
    # or a rank ("3/63")
    return bool(unit or "," in num or "." in num and value < 100)


def _values(low: str, mentions: _Mentions) -> list[_Value]:
    """Index values in text order, each (index, value, year) once."""
    values: list[_Value] = []
    seen: set[tuple[str, float, int | None]] = set()
    for m in _candidates(low):
        start, end = m.start("num"), m.end()
        if not _is_score_value(low, m) or TARGET_RE.search(low, clause_start(low, start, limit=120), start):
            continue
        index = _satisfaction(low, start) if m.re is SHARE_RE else _index_for(low, mentions, start, end)
        if index is None:
            continue
        value = score_number(m.group("num"), m.group("unit"))
        key = (index.name, value, year_of(low, start, end))
        if key in seen:
            continue
        seen.add(key)
        top = m.group("max") or (mx.group("max") if (mx := MAX_AFTER_RE.match(low, end)) else None)
        values.append(_Value(m.start(), end, value, top, m.group("unit"), index))
    return values


def _attach(low: str, rank: Rank, values: list[_Value], starts: list[int], mentions: _Mentions) -> bool:
    """Give the rank to the value of its clause: the first one after it, else the last one before
    it that has none (in the sentence before when the clause says "với kết quả này"), with no
    parenthesis between; a former rank stays alone."""
    if rank.former:
        return False
    begin, stop = clause_start(low, rank.start, limit=250), clause_end(low, rank.end, limit=120)
    index = _index_for(low, mentions, rank.start, rank.end)
    i = bisect_left(starts, rank.end)
    after = values[i : i + 1] if i < len(values) and values[i].start < stop else []
    j = bisect_left(starts, rank.start) - 1
    # "Với kết quả này, tỉnh xếp thứ 12/63": the result of the sentence before is the value
    floor = max(0, begin - 300) if RESULT_ANAPHORA_RE.match(low, begin) else begin
    before = values[j : j + 1] if j >= 0 and floor <= values[j].start and values[j].end <= rank.start else []
    for value in after:
        if value.rank is None and not RANK_RE.search(low, rank.end, value.start):
            value.rank = rank
            return True
    for value in before:
        between = low[value.end : rank.start]
        if (value.rank is None and (index is None or index.name == value.index.name)
                and "(" not in between):
            value.rank = rank
            return True
    return False


def _respective(low: str, ranks: list[Rank], values: list[_Value], starts: list[int]) -> set[int]:
    """Ranks joined by "và" and followed by "lần lượt" (respectively), each given to the next
    value of the clause in order; returns the start of every rank so given."""
    given: set[int] = set()
    i = 0
    while i < len(ranks):
        run = [ranks[i]]
        while (i + len(run) < len(ranks)
               and re.fullmatch(r"\s*(?:,|và)?\s*", low[run[-1].end : ranks[i + len(run)].start])):
            run.append(ranks[i + len(run)])
        i += len(run)
        if len(run) < 2 or not RESPECTIVE_RE.match(low, run[-1].end):
            continue
        stop = clause_end(low, run[-1].end, limit=250)
        first = bisect_left(starts, run[-1].end)
        following = [v for v in values[first : first + len(run)] if v.start < stop and v.rank is None]
        for rank, value in zip(run, following, strict=False):
            value.rank = rank
            given.add(rank.start)
    return given


def scores(text: str) -> list[Fact]:
    """Index values and ranks tied to a named index, each once, in text order.

    Patterns run on a lower-cased copy with the same offsets; phrases come from the text itself.
    """
    low = lower_same_length(text)
    mentions = _Mentions.of(low)
    if not mentions.ends:
        return []
    values = _values(low, mentions)
    facts = []
    seen_ranks: dict[tuple[str, int], set[int | None]] = {}  # (index, rank) → years it was given for
    ranks = find_ranks(low)
    starts = [v.start for v in values]  # values are in text order
    respective = _respective(low, ranks, values, starts)
    lone = [r for r in ranks if r.start not in respective and not _attach(low, r, values, starts, mentions)]
    for value in values:
        if value.rank:
            seen_ranks.setdefault((value.index.name, value.rank.lead), set()).add(year_of(low, value.start, value.end))
        facts.append(_fact(text, low, value.start, value.end, value.value, value.index, value.top, value.rank))
    for rank in lone:
        index = _index_for(low, mentions, rank.start, rank.end, alone=True)
        if index is None:
            continue
        year = rank_year(low, rank)
        years = seen_ranks.setdefault((index.name, rank.lead), set())
        if year in years or (years and (year is None or None in years)):
            continue  # the same rank said again ("thứ 3 là thành phố Hà Nội" after "xếp thứ 3/63")
        years.add(year)
        facts.append(_fact(text, low, rank.start, rank.end, None, index, None, rank, year))
    return sorted(facts, key=lambda f: f.start)


def _fact(text: str, low: str, start: int, end: int, value: float | None, index: _Index,
          top: str | None, rank: Rank | None, year: int | None = None) -> Fact:
    stop = min(clause_end(low, end, limit=80), end + 80)
    change = CHANGE_RE.search(low, end, stop)
    attrs = {
        "index": index.name or None,
        "explicit": index.explicit,
        "max": parse_number(top) if top else None,
        "year": year or year_of(low, start, end),
        "rank": rank.text if rank else None,
        "change": text[change.start() : change.end()] if change else None,
    }
    if rank and value is not None:
        start, end = min(start, rank.start), max(end, rank.end)
    return Fact("score", text[start:end], start, end, value, attrs)
