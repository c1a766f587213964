"""Any text is analysed into a typed result, and the cost stays linear in its length (issue 14).

No timed assertion here (timing belongs to benchmarks/analysis_speed.py): the patterns are checked
for the shape that backtracks without bound (an unbounded repeat around a variable one), and
megabyte runs of figures and ranks are analysed to a correct, deduplicated result.
"""

from __future__ import annotations

import importlib
import json
import re
from re import _parser as sre_parse  # type: ignore[attr-defined]  # the stdlib's own pattern parser
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis import analyze, to_contract
from cchc_monitor.models import Analysis

MODULES = ["analysis.backlog", "analysis.classify", "analysis.documents", "analysis.places", "analysis.ranks", "analysis.scores",
           "analysis.tables", "cchc_monitor.text", "cchc_monitor.dates", "cchc_monitor.gazetteer"]
REPEATS = {sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, getattr(sre_parse, "POSSESSIVE_REPEAT", None)}


def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    found = []
    for name in MODULES:
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if isinstance(value, re.Pattern):
                found.append((f"{name}.{attr}", value))
            elif isinstance(value, list):  # INDEX_NAMES: (pattern, name, explicit)
                found += [(f"{name}.{attr}", v[0]) for v in value
                          if isinstance(v, tuple) and v and isinstance(v[0], re.Pattern)]
    return found


def _has_variable_repeat(tree: Any) -> bool:
    for op, arg in tree:
        if op in REPEATS:
            low, high, sub = arg
            if low != high or _has_variable_repeat(sub):
                return True
        elif op is sre_parse.SUBPATTERN and _has_variable_repeat(arg[-1]):
            return True
        elif op is sre_parse.BRANCH and any(_has_variable_repeat(b) for b in arg[1]):
            return True
        elif op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT) and _has_variable_repeat(arg[1]):
            return True
    return False


def _nested_unbounded(tree: Any) -> bool:
    """An unbounded repeat whose body holds a repeat of variable length: "(\\s+\\S+)*"."""
    for op, arg in tree:
        if op in REPEATS:
            _, high, sub = arg
            if high == sre_parse.MAXREPEAT and _has_variable_repeat(sub):
                return True
            if _nested_unbounded(sub):
                return True
        elif op is sre_parse.SUBPATTERN and _nested_unbounded(arg[-1]):
            return True
        elif op is sre_parse.BRANCH and any(_nested_unbounded(b) for b in arg[1]):
            return True
        elif op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT) and _nested_unbounded(arg[1]):
            return True
    return False


def test_the_check_finds_a_nested_quantifier() -> None:
    assert _nested_unbounded(sre_parse.parse(r"(?:\s+\S+)*x"))
    assert not _nested_unbounded(sre_parse.parse(r"\d{1,3}(?:\.\d{3})+"))


def test_no_pattern_nests_a_variable_repeat_in_an_unbounded_one() -> None:
    patterns = _patterns()
    assert len(patterns) > 40
    nested = [name for name, pattern in patterns if _nested_unbounded(sre_parse.parse(pattern.pattern, pattern.flags))]
    assert nested == []


def _repeat(unit: str, chars: int = 1_000_000) -> str:
    return (unit * (chars // len(unit) + 1))[:chars]


@pytest.mark.parametrize("unit, check", [
    ("1.416 hồ sơ trễ hạn, ", lambda r: [f.value for f in r.of_kind("backlog")] == [1416]),
    ("Chỉ số CCHC xếp thứ 3/63, ", lambda r: [f.attrs["rank"] for f in r.of_kind("score")] == ["3/63"]),
    ("Chỉ số CCHC đạt 91,43%, vùng B 86,82%, ", lambda r: sorted(f.value for f in r.of_kind("score")) == [86.82, 91.43]),
    ("tỷ lệ giải quyết đúng hạn đạt 98,5%; ", lambda r: [f.value for f in r.of_kind("on_time_rate")] == [98.5]),
])
def test_a_megabyte_of_repeated_figures_is_one_fact(unit: str, check: Any) -> None:
    result = analyze(_repeat(unit))
    assert isinstance(result, Analysis) and check(result)


def test_a_megabyte_of_distinct_ranks_and_values_is_analysed() -> None:
    text = "".join(f"Chỉ số CCHC: đơn vị {i} đạt {i % 90 + 10},{i % 97:02d}%, xếp thứ {i % 60 + 1}/63; "
                   for i in range(20_000))
    assert len(text) > 900_000
    values = analyze(text).of_kind("score")
    assert values and all(f.value is None or 10 <= f.value <= 100 for f in values)


ALPHABET = ["hồ sơ", "trễ hạn", "quá hạn", "đúng hạn", "Chỉ số CCHC", "PAR INDEX", "SIPAS", "xếp thứ", "hạng",
            "vị trí số", "đạt", "là", "với", "và", "thứ", "lần lượt", "%", "/", ".", ",", ";", ":", "(", ")", "-",
            "\n", "\n\n", " ", "TP.", "tỉnh", "huyện", "xã", "Sở", "ngày", "tháng", "năm", "Số:", "Kế hoạch số",
            "Quyết định", "1.416", "90.17", "93,36", "0", "2024", "63", "ngàn", "người dân", "hài lòng",
            "Trễ hạn Đúng hạn", "Tổng %", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "e\u0301", "\u0000", "\ufeff",
            "\ud800", "𝟙", "١٢", "Ⅻ", "İ", "ß", "\u200b", "date 2026-02-30"]


PIECES = st.one_of(st.sampled_from(ALPHABET), st.text(max_size=12))


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(st.tuples(PIECES, st.sampled_from(["", " "])), max_size=60).map(
    lambda parts: "".join(a + b for a, b in parts)),
       st.sampled_from([None, "", "https://baolamdong.vn/x", "not a url", "http://[::1"]))
def test_any_text_gives_a_typed_result(text: str, url: str | None) -> None:
    """Property: any text (pieces of the prose the rules read, odd characters, random strings) gives
    a typed, JSON-ready analysis, never an exception."""
    result = analyze(text, url)
    assert isinstance(result, Analysis)
    json.dumps(to_contract(result), ensure_ascii=False)
