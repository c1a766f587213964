"""A shard's work as plain data: what its sources gave (fetch log, validators, pauses, failures) and the
articles it extracted, so another machine can store them (see docs/scaling.md)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from cchc_monitor.models import ExtractedArticle, FetchRecord, SourceFailure
from scrapers.selection import Collected


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def to_batch(collected: Collected, articles: list[tuple[str, ExtractedArticle]]) -> dict[str, Any]:
    """JSON-ready data of one shard's cycle (the articles' analysis is left to the ingest)."""
    return {
        "tried": collected.tried, "duplicates": collected.duplicates,
        "fetch_log": [{k: _plain(v) for k, v in asdict(r).items()} for r in collected.fetch_log],
        "validators": collected.validators, "pause": collected.pause,
        "failures": [asdict(f) for f in collected.failures],
        "listed": {k: list(v) for k, v in collected.listed.items()},
        "articles": [{"source_id": s, **{k: _plain(v) for k, v in asdict(a).items()}} for s, a in articles],
    }


def from_batch(data: dict[str, Any]) -> tuple[Collected, list[tuple[str, ExtractedArticle]]]:
    """The shard's results back as records; the inverse of `to_batch`."""
    def when(text: str | None) -> datetime | None:
        return datetime.fromisoformat(text) if text else None

    collected = Collected(tried=int(data["tried"]), duplicates=int(data["duplicates"]),
                          validators=dict(data["validators"]), pause=dict(data["pause"]))
    collected.fetch_log = [FetchRecord(**{**r, "at": when(r.get("at"))}) for r in data["fetch_log"]]
    collected.failures = [SourceFailure(**f) for f in data["failures"]]
    collected.listed = {k: (int(v[0]), int(v[1])) for k, v in data["listed"].items()}
    articles = []
    for a in data["articles"]:
        published = date.fromisoformat(a["published"]) if a.get("published") else None
        articles.append((a["source_id"], ExtractedArticle(a["url"], a["title"], published, a["text"], a["extractor"])))
    return collected, articles


def merge(parts: list[Collected]) -> Collected:
    """Several shards' results as one cycle's (a URL claimed by two shards is fetched twice, stored once)."""
    out = Collected()
    for part in parts:
        out.tried += part.tried
        out.duplicates += part.duplicates
        out.fetch_log += part.fetch_log
        out.validators.update(part.validators)
        out.pause.update(part.pause)
        out.failures += part.failures
        out.listed.update(part.listed)
    return out


def shard_of(source_id: str, shards: int) -> int:
    """Which of `shards` shards a source belongs to: stable across machines and runs (CRC-32 of its id)."""
    import zlib

    return zlib.crc32(source_id.encode("utf-8")) % shards
