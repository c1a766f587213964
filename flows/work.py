"""The CPU-bound part of a cycle, run in worker processes: a fetched page extracted, analysed and given its
story keys (MinHash bands) as the record to store. This module imports no Prefect: a worker starts light."""

from __future__ import annotations

from dataclasses import replace

import analysis
import scrapers
from cchc_monitor.errors import ScrapeError
from cchc_monitor.models import ArticleRecord, FetchRecord, ItemRef, SourceSpec
from dedup import fingerprint, pack
from scrapers.crawl import UNEXPECTED

__all__ = ["UNEXPECTED", "extract_record", "extract_records"]


def extract_record(spec: SourceSpec, item: ItemRef, text: str, final_url: str, status: int
                   ) -> tuple[ArticleRecord | None, FetchRecord]:
    """(the record, its fetch-log line), or (None, the line saying why the page gave no article)."""
    try:
        article = scrapers.extract_page(text, final_url, item, spec)
        record = analysis.to_record(spec.id, article)
        story_keys = fingerprint(record.body)  # the MinHash and the 3-grams, off the cycle's process
        record = replace(record, bands=story_keys.bands, shingles=pack(story_keys))
    except ScrapeError as exc:
        return None, FetchRecord(spec.id, item.url, False, exc.reason, str(exc))
    except Exception as exc:  # a bug or an untranslated library error: this page fails, loudly, the rest go on
        return None, FetchRecord(spec.id, item.url, False, UNEXPECTED, f"{type(exc).__name__}: {exc}"[:500])
    return record, FetchRecord(spec.id, item.url, True, status=status)


def extract_records(pages: list[tuple[SourceSpec, ItemRef, str, str, int]]
                    ) -> list[tuple[ArticleRecord | None, FetchRecord]]:
    """extract_record for each of a few pages sent to a worker at once (one hand-over costs the cycle's
    process about 0.3 ms, whatever it carries)."""
    return [extract_record(*page) for page in pages]
