"""Vietnamese dates ("ngày 17/01/2023", "10 tháng 11 năm 2021", "31-1-2024"), datelines, and the time zone."""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo

from cchc_monitor.text import lower_same_length

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")  # every time we show or compare is Vietnam's (UTC+7, no DST)

# Numeric dates: 17/01/2023, 31-1-2024, 2.1.2018 (day first, as Vietnamese writes them).
NUMERIC_DATE_RE = re.compile(r"(?<!\d)(\d{1,2})\s?([/.-])\s?(\d{1,2})\s?\2\s?(\d{4})(?!\d)")  # "17 - 05 - 2024" too
# Spelled dates: "15 tháng 7 năm 2021" (day month year).
SPELLED_DATE_RE = re.compile(r"(?<!\d)(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})(?!\d)", re.I)
ANY_DATE_RE = re.compile(f"{NUMERIC_DATE_RE.pattern}|{SPELLED_DATE_RE.pattern}", re.I)

ISO_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\b")
# Page metadata a scraper may prepend: "date 2026-02-02".
META_DATE_RE = re.compile(r"^\s*date\s+(\d{4})-(\d{2})-(\d{2})\b")
# Labels that introduce a publication date on portals ("Ngày đăng", "Cập nhật").
# (matched on lower-cased text) posted on, updated, published
# (matched on lower-cased text) posted on, updated (on, at), published, released, posted at
PUBLISHED_LABEL_RE = re.compile(
    r"(?:ngày\s+đăng|đăng\s+ngày|đăng\s+lúc|ngày\s+cập\s+nhật|cập\s+nhật(?:\s+lúc|\s+ngày)?"
    r"|ngày\s+xuất\s+bản|xuất\s+bản|ngày\s+phát\s+hành|thời\s+gian\s+đăng)\s*:?\s*"
)
# A news agency's dateline in parentheses: "(TTXVN 18/4/2024)", "(VOV - 18/4/2024)".
AGENCY_DATELINE_RE = re.compile(r"\(\s*[A-ZĐ][\w.]{1,15}\s*[-–,:]?\s*$")
# Words that make a short line's date an event's: the day of, from, to, on, before, after.
EVENT_WORDS_RE = re.compile(r"\b(?:ngày|từ|đến|vào|trước|sau|hạn|tháng)\s*$|\bngày\b", re.I)
# Today's date in a site banner: "Hôm nay", or a weekday with no clock time.
BANNER_RE = re.compile(r"hôm\s+nay", re.I)
WEEKDAY_RE = re.compile(r"thứ\s+(?:hai|ba|tư|năm|sáu|bảy)|chủ\s+nhật", re.I)
CLOCK_RE = re.compile(r"\d{1,2}\s?[:h]\s?\d{2}")
# What may stand beside a date on a dateline line: clock time, weekday, time zone, view counter.
DATELINE_NOISE_RE = re.compile(
    r"\d{1,2}\s?[:h]\s?\d{2}(?::\d{2})?|GMT\s*\+\s*7|UTC\s*\+\s*7|"
    r"thứ\s+(?:hai|ba|tư|năm|sáu|bảy)|chủ\s+nhật|lượt\s+xem\s*:?\s*\d*|"
    r"(?:sáng|chiều|trưa|tối)\b|cập nhật|ngày đăng|\b(?:am|pm)\b|\(|\)|\|",
    re.I,
)
# A dateline that opens a news item: "Hải Phòng, ngày 18 tháng 11 năm 2019".
PLACE_DATELINE_RE = re.compile(r"^[^\W\d][\w .'-]{1,40},\s*ngày\s+", re.I)
LEGAL_HEADER_RE = re.compile(r"^\s*Số\s*:\s*\S+", re.I | re.M)


def make_date(day: int, month: int, year: int) -> date | None:
    """A date, or None when the numbers are not a real calendar day."""
    try:
        if 1990 <= year <= 2100:
            return date(year, month, day)
    except ValueError:
        pass
    return None


def date_from_match(m: re.Match[str]) -> date | None:
    """Turn a match of ANY_DATE_RE, NUMERIC_DATE_RE or SPELLED_DATE_RE into a date."""
    groups = [g for g in m.groups() if g is not None and g not in "/.-"]
    day, month, year = (int(g) for g in groups[:3])
    return make_date(day, month, year)


def find_dates(text: str) -> list[tuple[date, int, int]]:
    """Every calendar date in the text with its span."""
    found = []
    for m in ANY_DATE_RE.finditer(text):
        d = date_from_match(m)
        if d:
            found.append((d, m.start(), m.end()))
    return found


def _is_dateline(line: str, m: re.Match[str]) -> bool:
    rest = line[: m.start()] + " " + line[m.end() :]
    rest = DATELINE_NOISE_RE.sub(" ", rest)
    letters = re.sub(r"[\W\d_]", "", rest)
    return len(letters) <= 6


def _is_source_line(line: str, m: re.Match[str]) -> bool:
    """A short line that ends with the date after a name: an outlet's byline ("Báo Lào Cai
    01/10/2025", glued or not), a headline with its date glued on, a news agency's "(TTXVN 18/4/2024)"."""
    prefix, rest = line[: m.start()], line[m.end() :]
    if AGENCY_DATELINE_RE.search(prefix) and rest.strip().startswith(")"):
        return True
    if DATELINE_NOISE_RE.sub(" ", rest).strip(" .,-–") or not prefix.strip():
        return False
    if prefix.rstrip().endswith(":") or any(c.isdigit() for c in prefix):
        return False  # a field ("Thời gian thực hiện: ...") or a number's line, not a byline
    glued = prefix[-1].isalpha()
    return (glued or len(prefix) <= 40) and not EVENT_WORDS_RE.search(prefix)


def _is_banner(line: str) -> bool:
    """A site banner's clock: "Hôm nay ...", or a weekday and a date with no clock time."""
    return bool(BANNER_RE.search(line) or (WEEKDAY_RE.search(line) and not CLOCK_RE.search(line)))


# A document's own dates on a legal database page: issued, in force, gazetted (the date follows its label).
DOCUMENT_DATE_LABEL_RE = re.compile(r"ngày\s+(?:ban\s+hành|hiệu\s+lực|công\s+báo|ký)\s*:?[\s|]*$", re.I)


def _dateline(head: str) -> date | None:
    """The first dateline of the head; a banner's date gives way to a later one."""
    legal = bool(LEGAL_HEADER_RE.search(head))
    banner: date | None = None
    offset = 0
    for line in head.splitlines(keepends=True):
        line_start, offset = offset, offset + len(line)
        line = line.rstrip("\r\n")
        for m in ANY_DATE_RE.finditer(line):
            d = date_from_match(m)
            if d is None:
                continue
            if DOCUMENT_DATE_LABEL_RE.search(head[max(0, line_start + m.start() - 40) : line_start + m.start()]):
                continue
            prefix = line[: m.start()]
            if (_is_dateline(line, m) or (not legal and _is_source_line(line, m))
                    or (not legal and PLACE_DATELINE_RE.match(prefix) and len(prefix) < 60)):
                if banner is None and _is_banner(line):
                    banner = d
                    continue
                return d
    return banner


def publication_date(text: str, head_chars: int = 700) -> date | None:
    """The item's own publication date, from metadata, a labelled date or a dateline near the top.

    Event dates inside sentences ("Chiều ngày 09/2/2023, UBND ...") and a legal document's own
    signing line are not publication dates.
    """
    meta = META_DATE_RE.match(text)
    if meta:
        return make_date(int(meta[3]), int(meta[2]), int(meta[1]))
    head = text[:head_chars]
    label = PUBLISHED_LABEL_RE.search(lower_same_length(text))
    if label:
        iso = ISO_DATE_RE.match(text, label.end())
        if iso:
            return make_date(int(iso[3]), int(iso[2]), int(iso[1]))
        m = ANY_DATE_RE.search(text, label.end(), label.end() + 25)  # a clock time may come first
        if m and (d := date_from_match(m)):
            return d
    return _dateline(head)
