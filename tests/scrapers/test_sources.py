"""The sources file: the default registry loads; bad files name the file, the entry and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from cchc_monitor.errors import ConfigError
from cchc_monitor.gazetteer import MERGER_2025
from scrapers.sources import load_sources
from tests.helpers import ROOT


def test_default_sources_file_loads_with_unique_ids_and_real_addresses() -> None:
    specs = load_sources(ROOT / "sources.yaml", default_max_items=30)
    assert len(specs) >= 30
    assert len({s.id for s in specs}) == len(specs)
    assert all(s.url.startswith(("http://", "https://")) and "example" not in s.url for s in specs)
    assert {s.kind for s in specs} == {"rss", "listing"}
    cujut = next(s for s in specs if s.id == "cujut-lamdong")
    assert (cujut.province, cujut.province_current) == ("Đắk Nông", "Lâm Đồng")
    # every post-2025 provincial portal is there, enabled, with the provinces merged into it
    current = [s for s in specs if s.level == "province" and s.enabled]
    assert sorted(s.province_current for s in current) == sorted(MERGER_2025)
    lamdong = next(s for s in current if s.province_current == "Lâm Đồng")
    assert lamdong.former_provinces == ("Lâm Đồng", "Đắk Nông", "Bình Thuận")


@pytest.mark.parametrize("content, message", [
    ("sources: [", r"line \d+: not valid YAML"),
    ("- just a list", "expected a top-level 'sources:' list"),
    ("sources:\n  - id: a\n    name: A\n    kind: rss\n", r"entry 1 \(id 'a'\): url: Field required"),
    ("sources:\n  - id: a\n    name: A\n    kind: rss\n    url: ftp://x.vn/rss\n", r"entry 1 \(id 'a'\): url: .*http"),
    ("sources:\n  - id: Bad Id\n    name: A\n    kind: rss\n    url: http://x.vn/\n", r"entry 1 \(id 'Bad Id'\): id"),
    ("sources:\n  - id: a\n    name: A\n    kind: rss\n    url: http://x.vn/\n    colour: red\n", "colour: Extra inputs"),
    ("sources:\n  - id: a\n    name: A\n    kind: rss\n    url: http://x.vn/\n"
     "  - id: a\n    name: B\n    kind: rss\n    url: http://y.vn/\n", r"entry 2 \(id 'a'\): id 'a' is used twice"),
])
def test_bad_sources_files_are_reported_precisely(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as info:
        load_sources(path, default_max_items=30)
    assert str(info.value).startswith(str(path))


def test_missing_sources_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="sources file not found"):
        load_sources(tmp_path / "nope.yaml", default_max_items=30)
