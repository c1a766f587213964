"""Assign each new article to a story: an exact copy, a confirmed near copy, or a new story."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from dedup import Fingerprint, fingerprint, same_story, similarity

MAX_CANDIDATES = 16  # near-copy candidates confirmed per article, those sharing the most band keys
BandLookup = Callable[[list[int]], dict[int, list[str]]]  # band key → stored article ids
BodyLookup = Callable[[list[str]], dict[str, tuple[str, str]]]  # article id → (story id, body)


@dataclass(frozen=True)
class Placement:
    """Where one new article goes: its story, its band keys, and whether it joined an existing story."""

    cluster_id: str
    bands: tuple[int, ...]
    joined: bool


def assign(items: Sequence[tuple[str, str, str]], exact: dict[str, tuple[str, str]],
           bands_of: BandLookup, bodies_of: BodyLookup, bands: Sequence[tuple[int, ...]] = ()) -> list[Placement]:
    """Place each (article id, body, content hash), in order: the same hash as a stored or earlier
    article joins its story; else the most similar confirmed LSH candidate's story; else a new
    story led by this article. Stored candidates are looked up once for the whole batch. `bands`: the
    items' band keys when computed already (in a worker process), else () and they are computed here."""
    prints = [_print(body, bands[n] if n < len(bands) else ()) for n, (_, body, _) in enumerate(items)]
    stored_hits = bands_of(sorted({k for p in prints for k in p.bands}))
    candidate_ids = sorted({a for p in prints for a in _nearest(p, stored_hits, {})})
    stored = {i: (story, fingerprint(body, bands=False)) for i, (story, body) in bodies_of(candidate_ids).items()}
    exact = dict(exact)
    batch: dict[int, list[str]] = {}  # band key → ids of earlier articles of this batch
    known: dict[str, tuple[str, Fingerprint]] = dict(stored)
    out: list[Placement] = []
    for (article_id, _, content), fp in zip(items, prints, strict=True):  # one fingerprint per item
        story = exact[content][1] if content in exact else _best(fp, stored_hits, batch, known)
        joined = story is not None
        story = story or article_id
        exact.setdefault(content, (article_id, story))
        known[article_id] = (story, fp)
        for key in fp.bands:
            batch.setdefault(key, []).append(article_id)
        out.append(Placement(story, fp.bands, joined))
    return out


def _print(body: str, bands: tuple[int, ...]) -> Fingerprint:
    """The body's fingerprint, with the band keys given (the MinHash is most of its cost) or computed."""
    return replace(fingerprint(body, bands=False), bands=bands) if bands else fingerprint(body)


def _nearest(fp: Fingerprint, stored_hits: dict[int, list[str]], batch: dict[int, list[str]]) -> list[str]:
    """The candidates sharing the most band keys with `fp` (ties by id), at most MAX_CANDIDATES: a copy
    shares most of its bands, while reports from one template share a few with hundreds of others, which
    would make every batch compare with (and read the bodies of) a growing share of the database."""
    shared = Counter(a for key in fp.bands for a in (*stored_hits.get(key, ()), *batch.get(key, ())))
    return [a for a, _ in sorted(shared.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_CANDIDATES]]


def _best(fp: Fingerprint, stored_hits: dict[int, list[str]], batch: dict[int, list[str]],
          known: dict[str, tuple[str, Fingerprint]]) -> str | None:
    """The story of the most similar confirmed candidate, or None."""
    candidates = [a for a in _nearest(fp, stored_hits, batch) if a in known]
    best, best_score = None, 0.0
    for candidate in sorted(candidates):
        story, other = known[candidate]
        if same_story(other, fp):
            score = similarity(other, fp)[0]
            if score > best_score or best is None:
                best, best_score = story, score
    return best
