"""Where a cycle's articles go: new stories, copies of known stories, revisions, unchanged re-reads.

The decisions need a few lookups of what is stored; `StoryStore` names them, and the storage
room's `Repository` satisfies it, so this room never imports storage.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Protocol

from cchc_monitor.models import ArticleRecord, StoredArticle
from dedup import Fingerprint, clusters, fingerprint, pack, unpack

RECENT_PRINTS = 2048  # fingerprints of the latest placed articles kept, packed (4 batches of 500): about 9 MB


class StoryStore(Protocol):
    """The lookups (and the one write) story placement needs from the store."""

    def stored_articles(self, urls: Iterable[str]) -> dict[str, StoredArticle]: ...
    def known_content(self, hashes: Iterable[str]) -> dict[str, tuple[str, str]]: ...
    def band_matches(self, keys: Iterable[int]) -> dict[int, list[str]]: ...
    def article_bodies(self, ids: Iterable[str]) -> dict[str, tuple[str, str]]: ...
    def article_stories(self, ids: Iterable[str]) -> dict[str, str]: ...
    def lone_stories(self, story_ids: Iterable[str]) -> set[str]: ...
    def articles_without_bands(self) -> list[tuple[str, str]]: ...
    def store_bands(self, bands: dict[str, tuple[int, ...]]) -> None: ...


@dataclass(frozen=True)
class Placed:
    """A cycle's articles placed: new ones with their story, revised ones (text changed), and counts."""

    fresh: list[ArticleRecord]
    revised: list[ArticleRecord]
    stories_new: int
    story_copies: int
    unchanged: int  # stored articles read again with the same text: dropped


class RecentPrints:
    """The fingerprints of the articles placed lately by this process (a cycle's earlier batches), packed, so
    that a batch's candidates among them are confirmed without reading their bodies and fingerprinting them
    again; their stories are still read from the store. Bounded: the least recently placed go first."""

    def __init__(self, limit: int = RECENT_PRINTS) -> None:
        self.limit = limit
        self._packed: OrderedDict[str, bytes] = OrderedDict()

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._packed

    def add(self, article_id: str, fp: Fingerprint | bytes) -> None:
        """Keep an article's fingerprint (or the bytes `pack` made of it), replacing an earlier one."""
        self._packed[article_id] = fp if isinstance(fp, bytes) else pack(fp)
        self._packed.move_to_end(article_id)
        while len(self._packed) > self.limit:
            self._packed.popitem(last=False)

    def lookup(self, store: StoryStore) -> clusters.PrintLookup:
        """Candidates' (story, fingerprint): kept ones with their stored story, others from their stored bodies."""
        from_bodies = clusters.from_bodies(store.article_bodies)

        def prints_of(ids: list[str]) -> dict[str, tuple[str, Fingerprint]]:
            kept = [i for i in ids if i in self._packed]
            found = {i: (story, unpack(self._packed[i], ())) for i, story in store.article_stories(kept).items()}
            return {**from_bodies([i for i in ids if i not in found]), **found}

        return prints_of


def place(store: StoryStore, records: list[ArticleRecord], recent: RecentPrints | None = None) -> Placed:
    """New articles with their story (exact or near copy of a stored one, or a new story), and
    stored articles whose text changed (revisions); an unchanged re-read is dropped. `recent`: the
    fingerprints of earlier batches, which this batch's are added to."""
    recent = RecentPrints(0) if recent is None else recent
    stored = store.stored_articles(r.url for r in records)
    fresh = [r for r in records if r.url not in stored]
    revised = [replace(r, cluster_id=stored[r.url].cluster_id, bands=r.bands or fingerprint(r.body).bands)
               for r in records if r.url in stored and stored[r.url].content_sha256 != r.content_sha256]
    prints = [unpack(r.shingles, r.bands) if r.shingles and r.bands else fingerprint(r.body) for r in fresh]
    placements = clusters.assign([(r.id, r.body, r.content_sha256) for r in fresh],
                                 store.known_content(r.content_sha256 for r in fresh),
                                 store.band_matches, recent.lookup(store), prints)
    fresh = [replace(r, cluster_id=p.cluster_id, bands=p.bands) for r, p in zip(fresh, placements, strict=True)]
    for r, fp in zip(fresh, prints, strict=True):
        recent.add(r.id, r.shingles or fp)  # the worker's packed bytes when it sent them
    for r in revised:  # its new text, should a later batch compare with it
        if r.id in recent:
            recent.add(r.id, r.shingles or fingerprint(r.body, bands=False))  # 3-grams and figures: no MinHash
    copies = sum(p.joined for p in placements)
    return Placed(fresh, rejoin(store, revised), len(placements) - copies, copies,
                  len(records) - len(fresh) - len(revised))


def rejoin(store: StoryStore, revised: list[ArticleRecord]) -> list[ArticleRecord]:
    """A revised article alone in its story (a stub, say) whose new text is a copy of another
    story joins that story; an article with copies of its own keeps its story."""
    alone = store.lone_stories(r.cluster_id for r in revised if r.cluster_id)
    out = []
    for r in revised:
        if r.cluster_id in alone:
            def others(keys: list[int], me: str = r.id) -> dict[int, list[str]]:  # not its own earlier text
                return {k: [a for a in ids if a != me] for k, ids in store.band_matches(keys).items()}

            exact = {h: v for h, v in store.known_content([r.content_sha256]).items() if v[0] != r.id}
            (placed,) = clusters.assign([(r.id, r.body, r.content_sha256)], exact, others,
                                        clusters.from_bodies(store.article_bodies))
            if placed.joined:
                r = replace(r, cluster_id=placed.cluster_id)
        out.append(r)
    return out


def backfill_bands(store: StoryStore) -> None:
    """Band keys for articles stored by a version without them (an upgraded database)."""
    while batch := store.articles_without_bands():
        store.store_bands({article_id: fingerprint(body).bands for article_id, body in batch})
