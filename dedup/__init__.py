"""Near-duplicate stories: MinHash LSH band keys find candidates, exact shingle overlap confirms them.

The same story reposted on another portal keeps most of its word sequences, whatever wrapper,
headline or shortened lead it gets; two different stories written from one template share many
words but not their figures. So a candidate is confirmed when its word 3-grams overlap enough
(Jaccard, or containment for a shortened copy) and, when both texts carry figures (years aside),
the figures agree, each with the words around it.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from dataclasses import dataclass

from dedup.minhash import BANDS, band_keys, shingle_hashes

__all__ = ["BANDS", "STORY_WINDOW_DAYS", "Fingerprint", "fingerprint", "pack", "same_story", "similarity", "unpack"]

# Near copies are looked for among the articles of the last 90 days (reposts come within days or
# weeks); an exact copy is recognised at any age by its body hash. The window keeps the LSH table
# (20 rows per article) small however large the archive grows.
STORY_WINDOW_DAYS = 90

WORD_RE = re.compile(r"\d[\d.,/]*\d|\d|\w+")
YEAR_RE = re.compile(r"199\d|20[0-3]\d")  # years say nothing about which story it is: every report has them
SHINGLE = 3
MIN_JACCARD = 0.5
MIN_CONTAINMENT = 0.8  # a shortened copy: most of the shorter text is inside the longer one
MIN_SHINGLES_FOR_CONTAINMENT = 20
# Figures are compared with their words: "xã Tân Phú 5 hồ sơ" and "xã An Bình 5 hồ sơ" are other
# figures, though both say 5. A big report holds almost every small number somewhere, so bare values
# let a two-commune report from its template pass as a shortened copy of it and hide its figures.
FIGURE_BEFORE, FIGURE_AFTER = 3, 1  # words kept with a figure: enough to reach the place it is about
MIN_FIGURES = 2  # below this, figures say too little to tell stories apart
MIN_FIGURE_OVERLAP = 0.6


@dataclass(frozen=True)
class Fingerprint:
    """What near-duplicate detection keeps of a text: its 3-gram set, its figures, its LSH band keys. 3-grams
    and figures are kept as their 32-bit hashes (shingle_hashes): small to send between processes, quick to
    compare; two of a text's thousand 3-grams share a hash about once in 9,000 texts (one 3-gram less)."""

    shingles: frozenset[int]
    figures: frozenset[int]  # each figure with the words around it ("mỹ khánh còn 3 hồ"), hashed
    bands: tuple[int, ...]


def _words(text: str) -> list[str]:
    return WORD_RE.findall(unicodedata.normalize("NFC", text).lower())


def fingerprint(text: str, *, bands: bool = True) -> Fingerprint:
    """The fingerprint of an article body (NFC, case-folded); `bands=False` skips the MinHash (enough
    to confirm a candidate)."""
    words = _words(text)
    if len(words) < SHINGLE:
        grams = {" ".join(words)} if words else set()
    else:
        grams = {" ".join(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}
    shingles = shingle_hashes(grams)
    figures = shingle_hashes(" ".join(words[max(0, i - FIGURE_BEFORE):i + 1 + FIGURE_AFTER])
                             for i, w in enumerate(words) if w[0].isdigit() and not YEAR_RE.fullmatch(w))
    return Fingerprint(shingles, figures, band_keys(shingles) if bands else ())


def pack(fp: Fingerprint) -> bytes:
    """The fingerprint's 3-grams and figures as bytes (about 4 KB for a page), to go with a record."""
    return array("I", [len(fp.shingles), *fp.shingles, *fp.figures]).tobytes()


def unpack(packed: bytes, bands: tuple[int, ...]) -> Fingerprint:
    """The fingerprint `pack` made, with its band keys."""
    values = array("I")
    values.frombytes(packed)
    count = values[0]
    return Fingerprint(frozenset(values[1:1 + count]), frozenset(values[1 + count:]), bands)


def similarity(a: Fingerprint, b: Fingerprint) -> tuple[float, float]:
    """(Jaccard, containment of the smaller in the larger) of the two 3-gram sets."""
    if not a.shingles or not b.shingles:
        return 0.0, 0.0
    common = len(a.shingles & b.shingles)
    return common / len(a.shingles | b.shingles), common / min(len(a.shingles), len(b.shingles))


def same_story(a: Fingerprint, b: Fingerprint) -> bool:
    """True when b is a copy of a: same text with other boilerplate, headline, a shorter lead."""
    if len(a.figures) >= MIN_FIGURES and len(b.figures) >= MIN_FIGURES:
        shared = len(a.figures & b.figures) / min(len(a.figures), len(b.figures))
        if shared < MIN_FIGURE_OVERLAP:  # one template, other numbers: another commune's report
            return False
    jaccard, containment = similarity(a, b)
    if jaccard >= MIN_JACCARD:
        return True
    return containment >= MIN_CONTAINMENT and min(len(a.shingles), len(b.shingles)) >= MIN_SHINGLES_FOR_CONTAINMENT
