"""Places: the main locality an article is about and its (former) province."""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

from cchc_monitor import gazetteer

# Administrative unit words that precede a place name (Vietnamese → tier).
UNIT_WORDS = {
    "tỉnh": "tỉnh",            # province
    "thành phố": "thành phố",  # city
    "tp.": "thành phố",        # city (abbreviation)
    "tp": "thành phố",
    "thị xã": "thị xã",        # district-level town
    "huyện": "huyện",          # district
    "quận": "quận",            # urban district
    "đặc khu": "đặc khu",      # special zone (2025)
    "thị trấn": "thị trấn",    # township
    "phường": "phường",        # ward
    "xã": "xã",                # commune
}
UNIT_RE = re.compile(
    r"(?<![\w])(" + "|".join(sorted(map(re.escape, UNIT_WORDS), key=len, reverse=True)) + r")\s+",
    re.I,
)
WORD_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)?|\d+")
NOT_NAME_WORDS = {"UBND", "HĐND", "Ủy", "Uỷ", "Thành", "Tỉnh", "Trung"}


def _name_after(text: str, pos: int) -> str | None:
    """The capitalised place name that starts at `pos` ("Sa Đéc", "Long Phụng"), if any."""
    words: list[str] = []
    cursor = pos
    while len(words) < 4:
        m = WORD_RE.match(text, cursor)
        if not m:
            break
        word = m.group()
        if not (word[0].isupper() or (word.isdigit() and not words)):
            break
        if word in NOT_NAME_WORDS and not words:
            return None
        words.append(word)
        cursor = m.end()
        gap = re.match(r"[ \t]+", text[cursor:])
        if not gap or gap.group() != " ":
            break
        cursor += 1
    if not words:
        return None
    name = " ".join(words)
    return name.title() if name.isupper() else name


def find_units(text: str) -> list[tuple[str, str, int]]:
    """Every "unit word + name" mention: (unit, name, offset), e.g. ("thành phố", "Sa Đéc", 120)."""
    found = []
    for m in UNIT_RE.finditer(text):
        name = _name_after(text, m.end())
        if name:
            found.append((UNIT_WORDS[m.group(1).lower()], name, m.start()))
    return found


def province_mentions(text: str) -> Counter[str]:
    """How often each former province is named in the text."""
    counts: Counter[str] = Counter()
    names = list(gazetteer.FORMER_PROVINCES) + list(gazetteer.PROVINCE_ALIASES)
    for name in names:
        hits = len(re.findall(rf"(?<![\w]){re.escape(name)}(?![\w])", text))
        if hits:
            canonical = gazetteer.canonical_province(name)
            if canonical:
                counts[canonical] += hits
    return counts


def _province_of_unit(unit: str, name: str) -> str | None:
    if unit == "tỉnh":
        return gazetteer.canonical_province(name)
    if unit in {"thành phố", "thị xã"}:
        return gazetteer.canonical_province(name) or gazetteer.PROVINCIAL_CITIES.get(name)
    return None


def locate(text: str, url: str | None = None) -> tuple[str | None, str | None]:
    """(locality as named, former province) of the article; either may be None."""
    head = text[:1500]
    units = find_units(head)
    locality = None
    province = None
    if units:
        counts = Counter((u, n) for u, n, _ in units)
        title_end = head.find("\n", 5) if "\n" in head[5:] else 200
        in_title = [(u, n) for u, n, pos in units if pos < title_end]
        unit, name = in_title[0] if in_title else counts.most_common(1)[0][0]
        locality = f"{unit} {name}"
        province = _province_of_unit(unit, name)
        if province is None:
            for u, n, _ in units:
                province = _province_of_unit(u, n)
                if province:
                    break
    if province is None:
        mentions = province_mentions(text)
        if mentions:
            province = mentions.most_common(1)[0][0]
    if province is None and url:
        province = gazetteer.province_from_host(urlsplit(url).hostname or "")
    return locality, province
