"""Ranks of an index as written ("xếp thứ 14/63", "vị trí số 1", "hạng 48") and the years beside them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cchc_monitor.text import clause_start

# A rank: "xếp (hạng) (thứ) 14/63", "đứng thứ 13", "vị trí số 1", "hạng 48", "và thứ 3", "thứ 5 trong 6".
# (No lookbehind at its start, so the engine scans for its first letters quickly; that the verb
# begins a word is checked after.)
RANK_RE = re.compile(
    r"(?:(?:xếp|đứng)\s+(?:ở\s+)?(?:vị\s+trí\s+|hạng\s+)?(?:số\s+|thứ\s+)?|vị\s+trí\s+(?:số\s+|thứ\s+)?"
    r"|hạng\s+(?:thứ\s+)?|và\s+thứ\s+)"
    r"(\d{1,2})(?:\s*/\s*(\d{1,3})|\s+(?:trong|trên)\s+(?:số\s+|tổng\s+số\s+)?(\d{1,3})(?![\d.,]))?"
    r"(?![\d/%]|[.,]\d|\s*(?:điểm|%|giải|đội|trận))"
)
# "xếp hạng 17 bộ", "đánh giá, xếp hạng 63 UBND tỉnh": how many units are ranked, not a rank.
RANKED_COUNT_RE = re.compile(r"\s+(?:bộ|tỉnh|ubnd|đơn\s+vị|cơ\s+quan|địa\s+phương|sở|huyện|xã)")
# A former rank: "từ vị trí số 28 (năm ngoái) lên ...".
FROM_BEFORE_RE = re.compile(r"từ\s+$")
# The year a value is for; "so với năm 2021" (compared with) names the baseline, not the year.
YEAR_RE = re.compile(r"(?<!so với )(?:năm|quý\s+[iv]+/|index|papi|sipas|pci|cchc)\s*(20\d\d)\b")
YEAR_NEAR_RE = re.compile(r"\s*\(?\s*(?:năm\s+)(20\d\d)\b")


@dataclass(frozen=True)
class Rank:
    """One rank: where its verb begins and its digits end, as written, and the position."""

    start: int
    end: int
    text: str  # "14/63", "3", "5/6"
    lead: int  # the position itself (3 in "3/63")
    former: bool  # "từ vị trí số 28": the rank it rose or fell from


def find_ranks(low: str) -> list[Rank]:
    """Every rank in text order."""
    found = []
    for m in RANK_RE.finditer(low):
        if m.start() and low[m.start() - 1].isalnum():
            continue
        total = m.group(2) or m.group(3)
        bare = not total and not re.search(r"(?:thứ|số)\s+\d+$", m.group())
        if bare and RANKED_COUNT_RE.match(low, m.end()):
            continue
        text = f"{m.group(1)}/{total}" if total else m.group(1)
        former = bool(FROM_BEFORE_RE.search(low, max(0, m.start() - 6), m.start()))
        found.append(Rank(m.start(), m.end(), text, int(m.group(1)), former))
    return found


def year_of(low: str, start: int, end: int) -> int | None:
    """The year named last in the clause up to `end`, else in the 300 characters before it."""
    begin = clause_start(low, start, limit=250)
    years = YEAR_RE.findall(low, begin, end)
    if years:
        return int(years[-1])
    years = YEAR_RE.findall(low, max(0, begin - 300), begin)
    return int(years[-1]) if years else None


def rank_year(low: str, rank: Rank) -> int | None:
    """The year written right after the rank ("hạng 48 (năm 2012)"), or right before it."""
    near = YEAR_NEAR_RE.match(low, rank.end)
    if near:
        return int(near.group(1))
    before = re.search(r"năm\s+(20\d\d)\s*,?\s*$", low[max(0, rank.start - 16) : rank.start])
    return int(before.group(1)) if before else year_of(low, rank.start, rank.end)
