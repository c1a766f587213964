"""Vietnamese text basics: NFC normalisation, Vietnamese number notation, clause boundaries."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

# A Vietnamese number: "." groups thousands ("1.416"), "," marks decimals ("93,36").
NUMBER = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
NUMBER_RE = re.compile(rf"(?<![\d.,])(?:{NUMBER})(?![\d]|[.,]\d)")

# What ends a clause when tying a number to its keyword: ";", a sentence end, a blank line.
# A single newline does not: legal texts and some portals wrap lines inside sentences.
CLAUSE_END_RE = re.compile(r";|\n[ \t]*\n|[.!?](?=\s|$)")


def nfc(text: str) -> str:
    """Normalise to NFC, so composed and decomposed diacritics compare equal."""
    return unicodedata.normalize("NFC", text)


def lower_same_length(text: str) -> str:
    """Lower-cased text with the same offsets, so matches on it index the original text."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def parse_number(token: str) -> float:
    """Read a number written the Vietnamese way: `1.416` is 1416 and `93,36` is 93.36."""
    token = token.strip()
    if "," in token:
        whole, frac = token.split(",", 1)
        return float(whole.replace(".", "") + "." + frac)
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", token):
        return float(token.replace(".", ""))
    return float(token)


def as_int_if_whole(value: float) -> float | int:
    """1416.0 becomes 1416 for output; 93.36 stays."""
    return int(value) if value == int(value) else value


# Short capitalised abbreviations that end with a dot inside a sentence: city (TP.), town (TX.),
# township (TT.), ward (P.), district (Q.), doctor (TS., ThS.), Mr (Ô.).
ABBREVIATIONS = frozenset({"TP", "Tp", "TX", "Tx", "TT", "P", "Q", "TS", "ThS", "PGS", "GS", "Ô", "B"})


def _is_abbreviation(text: str, dot: int) -> bool:
    """The dot at `dot` ends one of ABBREVIATIONS (a whole word) and a capitalised name follows."""
    start = dot
    while start > 0 and text[start - 1].isalpha() and dot - start < 4:
        start -= 1
    if start > 0 and text[start - 1].isalnum():
        return False
    after = text[dot + 1 : dot + 3].lstrip()
    return text[start:dot] in ABBREVIATIONS and bool(after) and after[0].isupper()


def clause_start(text: str, pos: int, limit: int = 400) -> int:
    """Where the clause that contains `pos` begins: after the last ";", sentence end or blank line
    (the boundaries of CLAUSE_END_RE, found backwards with rfind, which is much faster)."""
    floor = max(0, pos - limit)
    best = max(floor, text.rfind(";", floor, pos) + 1)
    for mark in ".!?":
        i = pos
        while (i := text.rfind(mark, floor, i)) >= best:
            # "1.416" is not a sentence end, nor the dot of an abbreviation ("TP. Hà Nội")
            if (i + 1 == len(text) or text[i + 1].isspace()) and not (mark == "." and _is_abbreviation(text, i)):
                best = i + 1
                break
    i = pos
    while (i := text.rfind("\n", floor, i)) >= best:
        j = i - 1
        while j >= floor and text[j] in " \t":
            j -= 1
        if j >= floor and text[j] == "\n":  # a blank line
            best = i + 1
            break
    return best


def clause_end(text: str, pos: int, limit: int = 400) -> int:
    """Where the clause that contains `pos` ends."""
    stop = min(len(text), pos + limit)
    m = CLAUSE_END_RE.search(text, pos, stop)
    while m and m.group() == "." and _is_abbreviation(text, m.start()):
        m = CLAUSE_END_RE.search(text, m.end(), stop)
    return m.start() if m else stop


def vn_number(value: float | int, decimals: int = 4) -> str:
    """A number the Vietnamese way: thousands with "." (1.416), decimals with "," (93,36), no trailing zeros."""
    text = f"{abs(value):,.{decimals}f}"
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0")
    result = whole.replace(",", ".") + ("," + fraction if fraction else "")
    return "-" + result if value < 0 and result != "0" else result


def vn_date(day: date | None) -> str:
    """dd/mm/yyyy, as Vietnamese documents write dates ("" for none)."""
    return day.strftime("%d/%m/%Y") if day else ""
