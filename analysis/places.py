"""Places: the main locality an article is about and its (former) province."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from urllib.parse import urlsplit

from cchc_monitor import gazetteer
from cchc_monitor.text import lower_same_length

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
# matched on lower-cased text; the character before must not be part of a word
UNIT_RE = re.compile(r"(" + "|".join(sorted(map(re.escape, UNIT_WORDS), key=len, reverse=True)) + r")\s+")
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
    for m in UNIT_RE.finditer(lower_same_length(text)):
        if m.start() and text[m.start() - 1].isalnum():
            continue
        name = _name_after(text, m.end())
        if name:
            found.append((UNIT_WORDS[m.group(1)], name, m.start()))
    return found


# Every province spelling in one alternation, longest first ("Thừa Thiên Huế" before "Huế").
PROVINCE_NAME_RE = re.compile(
    r"("
    + "|".join(sorted(map(re.escape, [*gazetteer.FORMER_PROVINCES, *gazetteer.PROVINCE_ALIASES]),
                      key=len, reverse=True))
    + r")(?![^\W_A-ZĐ]|[_\d])"  # a capital may follow: a name glued to the next word ("Lào CaiBáo")
)


def province_mentions(text: str) -> Counter[str]:
    """How often each former province is named in the text."""
    counts: Counter[str] = Counter()
    for m in PROVINCE_NAME_RE.finditer(text):
        if m.start() and (text[m.start() - 1].isalnum() or text[m.start() - 1] == "_"):
            continue
        before = text[max(0, m.start() - 12) : m.start()].split()
        if before and before[-1] in gazetteer.PERSON_NAME_WORDS and text[m.start() - 1] == " ":
            continue  # "Trương Hòa Bình": a person's name
        canonical = gazetteer.canonical_province(m.group(1))
        if canonical:
            counts[canonical] += 1
    return counts


def _province_of_unit(unit: str, name: str) -> str | None:
    if unit == "tỉnh":
        return gazetteer.canonical_province(name)
    if unit in {"thành phố", "thị xã"}:
        return gazetteer.canonical_province(name) or gazetteer.PROVINCIAL_CITIES.get(name)
    return None


def _title(text: str) -> str:
    """The first line when it is short enough to be a headline."""
    first = text.lstrip().split("\n", 1)[0]
    return first if len(first) <= 250 else ""


def _url_parts(url: str | None) -> tuple[str, str]:
    """(path, host) of an address; a malformed one ("http://[::1") has neither."""
    try:
        parts = urlsplit(url or "")
        return parts.path, parts.hostname or ""
    except ValueError:
        return "", ""


def provinces_in_url(url: str | None) -> list[str]:
    """Provinces named in an address's path slug ("/thua-thien-hue-co-chi-so-...")."""
    path = _url_parts(url)[0]
    if not path:
        return []
    slug = "-" + re.sub(r"[^a-z0-9]+", "-", gazetteer.fold(path)) + "-"
    found = []
    for key, canonical in _slug_keys():
        if key in slug and canonical not in found:
            found.append(canonical)
    return found


@lru_cache(maxsize=1)
def _slug_keys() -> tuple[tuple[str, str], ...]:
    """("-thua-thien-hue-", its former province) for every province name and alias, as slugs spell them."""
    keys = []
    for name in (*gazetteer.FORMER_PROVINCES, *gazetteer.PROVINCE_ALIASES):
        key = "-" + re.sub(r"[^a-z0-9]+", "-", gazetteer.fold(name)).strip("-") + "-"
        canonical = gazetteer.canonical_province(name)
        if len(key) > 4 and canonical:
            keys.append((key, canonical))
    return tuple(keys)


def _slug_starts_with(url: str | None, province: str) -> bool:
    """The last path segment (the headline's slug) begins with the province's name."""
    segment = _url_parts(url)[0].rstrip("/").rsplit("/", 1)[-1]
    key = re.sub(r"[^a-z0-9]+", "-", gazetteer.fold(province)).strip("-")
    return gazetteer.fold(segment).startswith(key + "-")


def locate(text: str, url: str | None = None) -> tuple[str | None, str | None]:
    """(locality as named, former province) of the article; either may be None.

    The province is the best supported of: the headline's place (strongest), a province in the
    address's slug, the units named near the top ("thành phố Sa Đéc" → Đồng Tháp), and plain
    mentions in the text. Only when the text names none does the outlet's domain decide.
    """
    votes: Counter[str] = Counter()
    title = _title(text)
    locality = None
    title_units = find_units(title)
    if title_units:
        unit, name, _ = title_units[0]
        locality = f"{unit} {name}"
        if province := _province_of_unit(unit, name):
            votes[province] += 6
    else:
        for province, hits in province_mentions(title).items():
            votes[province] += 6 * hits
            locality = locality or province
    units = find_units(text[:1500])
    lead_unit: tuple[str, str] | None = None
    if locality is None and units:
        lead_unit = Counter((u, n) for u, n, _ in units).most_common(1)[0][0]
        locality = f"{lead_unit[0]} {lead_unit[1]}"
    for unit, name, _ in units:
        if province := _province_of_unit(unit, name):
            votes[province] += 2
    slug_provinces = provinces_in_url(url)
    for province in slug_provinces:
        votes[province] += 4
    if slug_provinces and _slug_starts_with(url, slug_provinces[0]) and not title:
        votes[slug_provinces[0]] += 2  # the slug is the headline, and it opens with the province
    mentions = province_mentions(text)
    votes.update(mentions)
    if votes:
        province = votes.most_common(1)[0][0]
        if not title_units and province in {*mentions, *slug_provinces}:
            other = lead_unit and _province_of_unit(*lead_unit) not in (None, province)
            if locality is None or other:
                locality = province  # the lead's unit is another province's: the article's is named plainly
        return locality, province
    host = _url_parts(url)[1]
    host_province = gazetteer.province_from_host(host) if host else None
    return locality, host_province
