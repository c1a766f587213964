"""Processing-status tables flattened to text (portal statistics): late counts and on-time rates by column.

A public-service portal's table of results reads, once its markup is gone, as a header line of
column names ("... Trước hạn Đúng hạn Trễ hạn"), a line of sub-headers, one "Tổng %" (count,
share) per status column, and rows that end with one "count share%" pair per status column:

    Mức độ Tổng Đã xử lý Trước hạn Đúng hạn Trễ hạn
    Tổng % Tổng % Tổng %
    Mức 3 500 480 300 60% 150 30% 30 6%

The pairs are read from the end of each row and matched to the last status columns of the header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from cchc_monitor.models import Fact
from cchc_monitor.text import lower_same_length, parse_number

# Status columns (lower-cased) → what they count: early, on time, on time and early, late, overdue.
STATUS_COLUMNS = {
    "đúng và trước hạn": "on_time", "trước và đúng hạn": "on_time", "trước hạn": "early",
    "đúng hạn": "on_time", "trễ hạn": "late", "quá hạn": "late", "chậm hạn": "late",
}
STATUS_RE = re.compile("|".join(sorted(map(re.escape, STATUS_COLUMNS), key=len, reverse=True)))
# One sub-header per status column: "Tổng %", "Số lượng %", "SL %", "Số hồ sơ Tỷ lệ".
SUBHEADER_RE = re.compile(r"(?:tổng|số\s+lượng|sl|số\s+hồ\s+sơ)\s*(?:%|t[ỷỉ]\s+lệ)")
# A cell pair: a count (digits, maybe grouped with ".") and its share.
PAIR_RE = re.compile(r"(\d{1,3}(?:\.\d{3})+|\d+)\s+(\d{1,3}(?:,\d+)?)\s?%")
MAX_ROWS = 40  # a status table is short; a long run of pairs is not read as one


@dataclass(frozen=True)
class TableFacts:
    late: tuple[Fact, ...]
    on_time: tuple[Fact, ...]


def _columns(header: str) -> list[str]:
    """The status columns of a header line, in order."""
    return [STATUS_COLUMNS[m.group()] for m in STATUS_RE.finditer(header)]


def _row_pairs(line: str, offset: int, k: int) -> list[re.Match[str]] | None:
    """The last k count-share pairs of a row, when the row ends with them."""
    pairs = list(PAIR_RE.finditer(line))
    if len(pairs) < k or line[pairs[-1].end() :].strip():
        return None
    tail = pairs[-k:]
    for left, right in zip(tail, tail[1:], strict=False):
        if line[left.end() : right.start()].strip():
            return None
    return tail


@lru_cache(maxsize=8)  # late counts and on-time rates of one article read the same tables
def status_tables(text: str) -> TableFacts:
    """Late counts and on-time shares from every status table in the text."""
    late: list[Fact] = []
    on_time: list[Fact] = []
    if "hạn" not in text and "HẠN" not in text and "Hạn" not in text:
        return TableFacts((), ())
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    for i, line in enumerate(lines[:-2]):
        if "hạn" not in line and "HẠN" not in line and "Hạn" not in line:
            continue
        columns = _columns(lower_same_length(line))
        if "late" not in columns or len(columns) < 2:
            continue
        k = len(SUBHEADER_RE.findall(lower_same_length(lines[i + 1])))
        if not 2 <= k <= len(columns):
            continue
        kinds = columns[-k:]
        for j in range(i + 2, min(len(lines), i + 2 + MAX_ROWS)):
            pairs = _row_pairs(lines[j], offsets[j], k)
            if pairs is None:
                break
            for kind, pair in zip(kinds, pairs, strict=True):
                start, end = offsets[j] + pair.start(), offsets[j] + pair.end()
                phrase = text[start:end]
                if kind == "late":
                    late.append(Fact("backlog", phrase, start, end, parse_number(pair.group(1)), {"level": None}))
                elif kind == "on_time":
                    on_time.append(Fact("on_time_rate", phrase, start, end, parse_number(pair.group(2)), {}))
    return TableFacts(tuple(late), tuple(on_time))
