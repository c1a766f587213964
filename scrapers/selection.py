"""Which sources a cycle reads and which links it fetches: selection, the 410 pause, one claim per URL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cchc_monitor.errors import GONE, ConfigError, ScrapeError
from cchc_monitor.keys import canonical_url
from cchc_monitor.models import FetchRecord, ItemRef, SourceFailure, SourceSpec
from scrapers.crawl import Discovered


def select_sources(specs: list[SourceSpec], only: tuple[str, ...], sources_file: Path) -> list[SourceSpec]:
    """The enabled sources, or exactly the named ones (a backfill); an unknown id names the file."""
    if not only:
        return [s for s in specs if s.enabled]
    chosen = [s for s in specs if s.id in only]
    unknown = sorted(set(only) - {s.id for s in chosen})
    if unknown:
        raise ConfigError(f"{sources_file}: no source with id {', '.join(unknown)}")
    return chosen


def skip_paused(specs: list[SourceSpec], paused: set[str], *, named: bool) -> tuple[list[SourceSpec], list[str]]:
    """(sources to read, ids left out because the monitor paused them); a source named explicitly
    (a backfill) is read even when paused."""
    if named:
        return specs, []
    return [s for s in specs if s.id not in paused], sorted(s.id for s in specs if s.id in paused)


def due_sources(specs: list[SourceSpec], due_at: dict[str, datetime], now: datetime, *, named: bool
                ) -> tuple[list[SourceSpec], list[str]]:
    """(sources to read, ids not due yet) under adaptive polling; a source named explicitly is read now."""
    if named:
        return specs, []
    later = {s.id for s in specs if s.id in due_at and due_at[s.id] > now}
    return [s for s in specs if s.id not in later], sorted(later)


@dataclass(frozen=True)
class Discovery:
    """What discovering one source gave: its links and validators, or the error that stopped it."""

    found: Discovered | None
    error: ScrapeError | None = None


@dataclass
class Collected:
    """What discovery gave the cycle: the fetch log, each source's new links, the validators to
    store, the sources to pause, and what failed."""

    tried: int = 0
    fetch_log: list[FetchRecord] = field(default_factory=list)
    work: list[tuple[SourceSpec, list[ItemRef]]] = field(default_factory=list)
    validators: dict[str, dict[str, str]] = field(default_factory=dict)
    pause: dict[str, str] = field(default_factory=dict)
    failures: list[SourceFailure] = field(default_factory=list)
    duplicates: int = 0  # links stored already, or claimed by an earlier source of this cycle
    listed: dict[str, tuple[int, int]] = field(default_factory=dict)  # source id → (items listed, new ones)


def collect(outcomes: list[tuple[SourceSpec, Discovery]], known_urls: Callable[[list[str]], set[str]]) -> Collected:
    """Discovery results in source order; a URL is claimed once per cycle (`known_urls` says which
    links need no fetch), a source answering 410 Gone is paused."""
    out = Collected(tried=len(outcomes))
    canonical = {i.url: canonical_url(i.url) for _, o in outcomes if o.found for i in o.found.items}
    claimed = known_urls(list(canonical.values()))
    for spec, outcome in outcomes:
        if outcome.error is not None or outcome.found is None:
            exc = outcome.error or ScrapeError("no result", url=spec.url)
            out.failures.append(SourceFailure(spec.id, exc.reason, str(exc)))
            out.fetch_log.append(FetchRecord(spec.id, spec.url, False, exc.reason, str(exc)))
            if exc.reason == GONE:
                out.pause[spec.id] = exc.reason
            continue
        found = outcome.found
        out.fetch_log.append(FetchRecord(spec.id, spec.url, True, status=304 if found.not_modified else 200))
        out.fetch_log.extend(found.refused)
        if found.validators:
            out.validators[spec.url] = found.validators
        fresh = []
        for item in found.items:
            url = canonical[item.url]
            if url in claimed:
                out.duplicates += 1
            else:
                claimed.add(url)
                fresh.append(item)
        out.listed[spec.id] = (len(found.items), len(fresh))
        if fresh:
            out.work.append((spec, fresh))
    return out
