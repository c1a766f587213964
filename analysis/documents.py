"""Referenced documents: type, number as written ("148/KH-UBND"), issuer, the local People's Committee
that issued it when the text names one, and the document's own date."""

from __future__ import annotations

import re
from datetime import date

from cchc_monitor import gazetteer
from cchc_monitor.dates import ANY_DATE_RE, date_from_match
from cchc_monitor.models import Fact
from cchc_monitor.text import clause_start

# Document type words (Vietnamese, longest first) with an English gloss.
TYPE_WORDS = {
    "Chương trình hành động": "action programme",
    "Kế hoạch": "plan",
    "Quyết định": "decision",
    "Nghị quyết": "resolution",
    "Nghị định": "decree",
    "Chỉ thị": "directive",
    "Chương trình": "programme",
    "Công văn": "official letter",
    "Báo cáo": "report",
    "Thông báo": "notice",
    "Thông tư liên tịch": "joint circular",
    "Thông tư": "circular",
    "Hướng dẫn": "guidance",
    "Công điện": "dispatch",
    "Tờ trình": "submission",
    "Luật": "law",
    "Đề án": "scheme",
    "Kết luận": "conclusion",
    "Quy chế": "regulation",
    "Văn bản": "document (a letter or note of an office)",
}
# Type codes inside a number ("KH" in 148/KH-UBND) → type word.
TYPE_CODES = {
    "KH": "Kế hoạch", "QĐ": "Quyết định", "QD": "Quyết định", "NQ": "Nghị quyết",
    "NĐ": "Nghị định", "ND": "Nghị định", "CT": "Chỉ thị", "CTR": "Chương trình",
    "BC": "Báo cáo", "TB": "Thông báo", "TT": "Thông tư", "TTLT": "Thông tư liên tịch",
    "HD": "Hướng dẫn", "CĐ": "Công điện", "TTR": "Tờ trình", "ĐA": "Đề án", "KL": "Kết luận",
    "QC": "Quy chế", "CV": "Công văn",
}
_UPPER = "A-ZĐÂĂÊÔƠƯ"
# The number itself: 148/KH-UBND, 01-NQ/TU, 157/2007/NĐ-CP, 30c/NQ-CP, 585/QĐ-UBND-HC, 22/2023/QH15.
NUMBER_RE = re.compile(
    rf"(\d{{1,5}}[a-z]?(?:/\d{{4}})?[/-][{_UPPER}][{_UPPER}a-z0-9]{{0,24}}(?:[-/][{_UPPER}0-9][{_UPPER}a-z0-9]{{0,24}}){{0,6}})"
)  # parts bounded (a symbol has a few short parts), so no repeat nests an unbounded one
TYPE_BEFORE_RE = re.compile(
    r"(" + "|".join(sorted(map(re.escape, TYPE_WORDS), key=len, reverse=True)) + r")"
    r"(?:\s+(?:của\s+\S+\s+)?(?:số|sô)\s*:?|\s*số:|\s*)\s*$",
    re.I,
)
# A document cited by its bare number: "Chỉ thị số 23 về ...", "Nghị quyết số 36a", "Đề án3".
BARE_NUMBER_RE = re.compile(
    r"(" + "|".join(sorted(map(re.escape, TYPE_WORDS), key=len, reverse=True)) + r")"
    r"(?:\s+số\s*|(?=\d{1,3}[a-z]?(?![\w/-]|[.,]\d)))(\d{1,5}[a-z]?)(?![\w/-]|[.,]\d)"
)  # or glued to its type when markup was lost: "Đề án3" (a year or a count is never glued so)
DATE_AFTER_RE = re.compile(r"^\s*,?\s*(?:ban\s+hành\s+)?ngày\s*", re.I)


# The People's Committee (UBND, "Ủy ban nhân dân") of a level below the province, by name: "UBND xã
# An Bình ban hành Kế hoạch số 12/KH-UBND", "Kế hoạch số 12/KH-UBND ngày ... của UBND phường Mỹ Phú".
# Communes number their own plans from 1 each year, so the issuer tells two communes' plan 12 apart.
_COMMITTEE = r"(?:UBND|Ủy\s+ban\s+nhân\s+dân|Uỷ\s+ban\s+nhân\s+dân)"
_LEVEL = (r"(?P<level>thành\s+phố|TP\.?|huyện|quận|thị\s+xã|thị\s+trấn|xã|phường|đặc\s+khu)"  # city, district,
          r"\s+(?P<name>(?:[A-ZĐÂĂÊÔƠƯÁÀẢÃẠÉÈẺẼẸÍÌỈĨỊÓÒỎÕỌÚÙỦŨỤÝỲỶỸỴ][\w]*\s?){1,4})")  # town, commune, ward
ISSUER_AFTER_RE = re.compile(rf"^\s*,?\s*(?:của|do)\s+(?:Chủ\s+tịch\s+)?{_COMMITTEE}\s+{_LEVEL}")
ISSUER_BEFORE_RE = re.compile(
    rf"{_COMMITTEE}\s+{_LEVEL}\s*(?:đã\s+|vừa\s+|chính\s+thức\s+)?(?:ban\s+hành|xây\s+dựng|phê\s+duyệt)\s*$")


def _local_issuer(text: str, start: int, end: int) -> str | None:
    """"xã An Bình" when a named sub-provincial People's Committee issued the document (after it:
    "... của UBND xã An Bình"; before it in the sentence: "UBND xã An Bình ban hành ..."); a
    province or a centrally governed city ("thành phố Cần Thơ") is not local."""
    m = ISSUER_AFTER_RE.match(text[end:end + 120])
    if m is None:
        m = ISSUER_BEFORE_RE.search(text[max(0, start - 120):start])  # not clause_start: "TP." ends no clause
    if m is None:
        return None
    level = "thành phố" if m["level"].startswith("TP") else " ".join(m["level"].lower().split())
    name = " ".join(m["name"].split())
    if level == "thành phố" and gazetteer.canonical_province(name):
        return None
    return f"{level} {name}"


# Words that portals glue to a document number when markup is lost ("157/2007/NĐ-CPngày").
GLUED_WORDS = ("ngày", "của", "về", "và", "năm", "do", "đã", "được", "tại", "theo", "ban", "trên", "thì")


def _unglue(text: str, number: str, end: int) -> tuple[str, int]:
    """Split off a Vietnamese word glued to the number; "TTg", "CTr" stay as written."""
    tail = re.search(r"[a-z]+$", number)
    if tail:
        glued = re.match(r"[^\W\d_]+", text[end:])
        word = glued.group() if glued else ""
        for cut in range(tail.start(), len(number)):
            if (number[cut:] + word).lower() in GLUED_WORDS:
                return number[:cut], end - (len(number) - cut)
    return number, end


def _starts_a_number(text: str, pos: int) -> bool:
    """A number starts a word, or follows a glued "số" ("Quyết định số09/2015/QĐ-TTg")."""
    if pos == 0:
        return True
    before = text[pos - 1]
    return not (before.isalnum() or before in "/_") or text[max(0, pos - 2) : pos] == "số"


def _type_from_number(number: str) -> str | None:
    parts = re.split(r"[/-]", number)
    for part in parts[1:]:
        code = part.upper()
        if code in TYPE_CODES:
            return TYPE_CODES[code]
        if re.fullmatch(r"QH\d*", code):
            return "Luật"
    return None


def _canonical_type(word: str) -> str:
    for known in TYPE_WORDS:
        if known.lower() == word.lower():
            return known
    return word


def _issuer(number: str) -> str | None:
    parts = re.split(r"[/-]", number)
    codes = [p for p in parts[1:] if not p.isdigit() and p.upper() not in TYPE_CODES]
    return "-".join(codes) or None


def documents(text: str) -> list[Fact]:
    """Every referenced document with a number or symbol, once per number, in text order."""
    facts: list[Fact] = []
    seen: set[str] = set()
    for m in NUMBER_RE.finditer(text):
        if not _starts_a_number(text, m.start()):
            continue
        number, number_end = _unglue(text, m.group(1), m.end())
        before = TYPE_BEFORE_RE.search(text[max(0, m.start() - 60) : m.start()])
        doc_type = _canonical_type(before.group(1)) if before else _type_from_number(number)
        if doc_type is None:
            continue
        key = number.upper().replace("Đ", "D")
        if key in seen:
            continue
        seen.add(key)
        start = m.start() - (len(before.group(0)) if before else 0)
        end = number_end
        doc_date = None
        tail = DATE_AFTER_RE.match(text[end : end + 40])
        if tail:
            dm = ANY_DATE_RE.match(text, end + tail.end())
            if dm:
                doc_date = date_from_match(dm)
                end = dm.end()
        if doc_date is None:
            doc_date = _issued_on(text, start)
        attrs = {
            "number": number,
            "type": doc_type,
            "issuer": _issuer(number),
            "date": doc_date.isoformat() if doc_date else None,
            "issued_by": _local_issuer(text, start, end),
        }
        facts.append(Fact("document", text[start:end], start, end, None, attrs))
    _bare_numbers(text, facts, seen)
    _date_legal_header(text, facts)
    return sorted(facts, key=lambda f: f.start)


def _bare_numbers(text: str, facts: list[Fact], seen: set[str]) -> None:
    """Documents cited by type and bare number, unless a full number begins with the same digits
    (the same document written in full elsewhere)."""
    leads = {re.match(r"\d+", key).group() for key in seen if re.match(r"\d+", key)}  # type: ignore[union-attr]
    for m in BARE_NUMBER_RE.finditer(text):
        number = m.group(2)
        if number.upper() in seen or re.match(r"\d+", number).group() in leads:  # type: ignore[union-attr]
            continue
        seen.add(number.upper())
        attrs = {"number": number, "type": _canonical_type(m.group(1)), "issuer": None,
                 "date": None, "issued_by": None}
        facts.append(Fact("document", m.group(), m.start(), m.end(), None, attrs))


# "Ngày 18 tháng 7 năm 2025, UBND xã ... đã ban hành Quyết định số 119/QĐ-UBND": the date of issue
# stands before the document in the same sentence, joined to it by "ban hành" (issued) or "ký" (signed).
def _issued_on(text: str, doc_start: int) -> date | None:
    """The issue date written before the document, when the sentence says it was issued then."""
    begin = clause_start(text, doc_start, limit=200)
    window = text[begin:doc_start]
    if not re.search(r"(?:ban\s+hành|ký)\s*$", window, re.I):
        return None
    dates = [m for m in ANY_DATE_RE.finditer(window)]
    if not dates:
        return None
    between = window[dates[-1].end():]
    if re.search(r"\d+[/-][A-ZĐ]", between):  # another document stands between the date and this one
        return None
    return date_from_match(dates[-1])


LEGAL_HEADER_DATE_RE = re.compile(r"Số\s*:\s*(\S+)[^\n]*?(?:\n[^\n]*){0,4}?,\s*ngày\s+", re.I)


def _date_legal_header(text: str, facts: list[Fact]) -> None:
    """A legal text's own "Số: N ... Place, ngày D tháng M năm Y" header dates its number."""
    m = LEGAL_HEADER_DATE_RE.search(text[:1500])
    if not m:
        return
    dm = ANY_DATE_RE.match(text, m.end())
    if not dm or not (d := date_from_match(dm)):
        return
    for i, fact in enumerate(facts):
        if fact.attrs["number"] == m.group(1) and fact.attrs["date"] is None:
            facts[i] = Fact(fact.kind, fact.phrase, fact.start, fact.end, None,
                            {**fact.attrs, "date": d.isoformat()})
