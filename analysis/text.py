"""Vietnamese text basics: NFC normalisation, Vietnamese number notation, clause boundaries."""

from __future__ import annotations

import re
import unicodedata

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


def clause_start(text: str, pos: int, limit: int = 400) -> int:
    """Where the clause that contains `pos` begins (after the last `;`, newline or full stop)."""
    floor = max(0, pos - limit)
    last = floor
    for m in CLAUSE_END_RE.finditer(text, floor, pos):
        last = m.end()
    return last


def clause_end(text: str, pos: int, limit: int = 400) -> int:
    """Where the clause that contains `pos` ends."""
    m = CLAUSE_END_RE.search(text, pos, min(len(text), pos + limit))
    return m.start() if m else min(len(text), pos + limit)
