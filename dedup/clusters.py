"""Assign each new article to a story: an exact copy, a confirmed near copy, or a new story."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dedup import Fingerprint, fingerprint, same_story, similarity

MAX_CANDIDATES = 16  # near-copy candidates confirmed per article, those sharing the most band keys
BandLookup = Callable[[list[int]], dict[int, list[str]]]  # band key → stored article ids
BodyLookup = Callable[[list[str]], dict[str, tuple[str, str]]]  # article id → (story id, body)
PrintLookup = Callable[[list[str]], dict[str, tuple[str, Fingerprint]]]  # article id → (story id, fingerprint)


@dataclass(frozen=True)
class Placement:
    """Where one new article goes: its story, its band keys, and whether it joined an existing story."""

    cluster_id: str
    bands: tuple[int, ...]
    joined: bool


def from_bodies(bodies_of: BodyLookup) -> PrintLookup:
    """Stored candidates' fingerprints made from their stored bodies."""
    def prints_of(ids: list[str]) -> dict[str, tuple[str, Fingerprint]]:
        return {i: (story, fingerprint(body, bands=False)) for i, (story, body) in bodies_of(ids).items()}

    return prints_of


def assign(items: Sequence[tuple[str, str, str]], exact: dict[str, tuple[str, str]],
           bands_of: BandLookup, prints_of: PrintLookup, prints: Sequence[Fingerprint | None] = ()) -> list[Placement]:
    """Place each (article id, body, content hash), in order: the same hash as a stored or earlier
    article joins its story; else the most similar confirmed LSH candidate's story; else a new
    story led by this article. Stored candidates are looked up once for the whole batch (`prints_of`:
    their stories and fingerprints). `prints`: the items' fingerprints when computed already (in a worker
    process), else computed here."""
    fps = [_given(prints, n) or fingerprint(body) for n, (_, body, _) in enumerate(items)]
    stored_hits = bands_of(sorted({k for p in fps for k in p.bands}))
    shared = [_top(_shared(p, stored_hits)) for p in fps]  # once, for the reads and for the choice
    stored = prints_of(sorted({a for counts in shared for a in counts}))
    exact = dict(exact)
    batch: dict[int, list[str]] = {}  # band key → ids of earlier articles of this batch
    known: dict[str, tuple[str, Fingerprint]] = dict(stored)
    out: list[Placement] = []
    for (article_id, _, content), fp, counts in zip(items, fps, shared, strict=True):
        story = exact[content][1] if content in exact else _best(fp, counts, batch, known)
        joined = story is not None
        story = story or article_id
        exact.setdefault(content, (article_id, story))
        known[article_id] = (story, fp)
        for key in fp.bands:
            batch.setdefault(key, []).append(article_id)
        out.append(Placement(story, fp.bands, joined))
    return out


def _given(prints: Sequence[Fingerprint | None], n: int) -> Fingerprint | None:
    return prints[n] if n < len(prints) else None


def _shared(fp: Fingerprint, hits: dict[int, list[str]]) -> Counter[str]:
    """Article id → how many of `fp`'s band keys it shares, among `hits` (band key → article ids)."""
    counts: Counter[str] = Counter()
    for key in fp.bands:
        if key in hits:
            counts.update(hits[key])
    return counts


def _top(counts: dict[str, int]) -> dict[str, int]:
    """The candidates sharing the most band keys (ties by id), at most MAX_CANDIDATES: a copy shares most
    of its bands, while reports from one template share a few with hundreds of others, which would make
    every batch compare with (and read the bodies of) a growing share of the database."""
    if len(counts) <= MAX_CANDIDATES:
        return dict(counts)
    return {a: -n for n, a in heapq.nsmallest(MAX_CANDIDATES, ((-n, a) for a, n in counts.items()))}


def _best(fp: Fingerprint, stored: dict[str, int], batch: dict[int, list[str]],
          known: dict[str, tuple[str, Fingerprint]]) -> str | None:
    """The story of the most similar confirmed candidate, or None. `stored`: the stored articles sharing the
    most band keys with it, counted; the batch's own are another set of ids, so the top of both together
    is the top of these and of the batch's."""
    candidates = [a for a in _top({**stored, **_shared(fp, batch)}) if a in known]
    best, best_score = None, 0.0
    for candidate in sorted(candidates):
        story, other = known[candidate]
        if same_story(other, fp):
            score = similarity(other, fp)[0]
            if score > best_score or best is None:
                best, best_score = story, score
    return best
