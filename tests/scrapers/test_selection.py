"""Which sources a cycle reads and which links it fetches (no Prefect, no network)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cchc_monitor.errors import GONE, ConfigError, FetchError, ParseError
from cchc_monitor.models import ItemRef, SourceSpec
from scrapers import Collected, Discovered, Discovery, collect, select_sources, skip_paused

A = SourceSpec("a", "Cổng A", "rss", "https://a.gov.vn/rss")
B = SourceSpec("b", "Cổng B", "listing", "https://b.gov.vn/cchc")
OFF = SourceSpec("off", "Tắt", "rss", "https://off.gov.vn/rss", enabled=False)


def test_a_cycle_reads_the_enabled_sources_and_a_backfill_exactly_the_named_ones() -> None:
    assert select_sources([A, OFF, B], (), Path("s.yaml")) == [A, B]
    assert select_sources([A, OFF, B], ("off",), Path("s.yaml")) == [OFF]  # named: read even when disabled
    with pytest.raises(ConfigError, match=r"s\.yaml: no source with id nope, zzz"):
        select_sources([A, B], ("a", "zzz", "nope"), Path("s.yaml"))


def test_paused_sources_are_left_out_unless_named() -> None:
    assert skip_paused([A, B], {"b"}, named=False) == ([A], ["b"])
    assert skip_paused([A, B], {"b"}, named=True) == ([A, B], [])


def _found(*urls: str, validators: dict[str, str] | None = None, not_modified: bool = False) -> Discovery:
    return Discovery(Discovered([ItemRef(u) for u in urls], validators or {}, not_modified))


def test_each_link_is_claimed_once_per_cycle_and_stored_links_are_not_fetched() -> None:
    asked: list[list[str]] = []

    def stored(urls: list[str]) -> set[str]:
        asked.append(urls)
        return {"https://a.gov.vn/old"}

    out = collect([(A, _found("https://a.gov.vn/old", "https://a.gov.vn/new?utm_source=rss",
                              validators={"etag": '"v1"'})),
                   (B, _found("https://a.gov.vn/new", "https://b.gov.vn/own"))], stored)
    assert len(asked) == 1  # one lookup for the whole cycle
    assert [(s.id, [i.url for i in items]) for s, items in out.work] == [
        ("a", ["https://a.gov.vn/new?utm_source=rss"]), ("b", ["https://b.gov.vn/own"])]
    assert out.duplicates == 2  # the stored link, and the syndicated copy claimed by source a first
    assert out.validators == {A.url: {"etag": '"v1"'}} and out.failures == [] and out.tried == 2
    assert [(r.source_id, r.ok, r.status) for r in out.fetch_log] == [("a", True, 200), ("b", True, 200)]


def test_a_failing_source_is_recorded_and_a_gone_one_is_paused() -> None:
    gone = FetchError("https://b.gov.vn/cchc: HTTP 410", url=B.url, reason=GONE)
    broken = ParseError("no links", url=A.url, reason="parse.layout_changed")
    out: Collected = collect([(A, Discovery(None, broken)), (B, Discovery(None, gone))], lambda urls: set())
    assert [(f.source, f.reason) for f in out.failures] == [("a", "parse.layout_changed"), ("b", GONE)]
    assert out.pause == {"b": GONE} and out.work == []
    assert [(r.ok, r.reason) for r in out.fetch_log] == [(False, "parse.layout_changed"), (False, GONE)]


def test_an_unchanged_feed_is_a_304_with_nothing_to_fetch() -> None:
    out = collect([(A, _found(validators={"etag": '"v1"'}, not_modified=True))], lambda urls: set())
    assert [r.status for r in out.fetch_log] == [304] and out.work == []
