"""The sources file: the default registry loads; bad files name the file, the entry and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from cchc_monitor.errors import ConfigError
from cchc_monitor.gazetteer import MERGER_2025
from scrapers import sources
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


# Property-based: whatever the file holds, the loader gives typed SourceSpecs or our ConfigError.
from hypothesis import HealthCheck, given, settings  # noqa: E402  # the property tests' own imports
from hypothesis import strategies as st  # noqa: E402

from cchc_monitor.models import SourceSpec  # noqa: E402

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30),
                    st.sampled_from(["rss", "listing", "sitemap", "http://x.gov.vn/", "a", "../..", "\x00", "/dev/zero"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                      st.dictionaries(st.text(max_size=10), inner, max_size=3)),
                      max_leaves=12)
KEYS = st.sampled_from(["id", "name", "kind", "url", "province", "province_current", "former_provinces", "level",
                        "link_selector", "cms", "max_items", "enabled", "ca_bundle", "article", "notes", "colour"])
ENTRIES = st.dictionaries(KEYS, VALUES, max_size=8)
DOCUMENTS = st.one_of(st.fixed_dictionaries({"sources": st.lists(st.one_of(ENTRIES, VALUES), max_size=4)}), VALUES)


def _load_or_error(path: Path) -> None:
    try:
        specs = load_sources(path, default_max_items=30)
    except ConfigError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)
    else:
        assert all(isinstance(s, SourceSpec) for s in specs)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=DOCUMENTS)
def test_any_yaml_document_gives_sources_or_one_config_error(tmp_path: Path, document: object) -> None:
    import yaml

    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    _load_or_error(path)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode),
                     st.lists(st.sampled_from(["sources:", "\n", "  - ", "&a ", "*a ", "[", "]", "{", "}", ": ",
                                               "id: a", "kind: rss", "url: http://x.vn/", "!!binary ", "? ",
                                               "!!python/object:os.system ", "\t", "'", '"', "#"]),
                              max_size=40).map(lambda parts: "".join(parts).encode())))
def test_any_bytes_give_sources_or_one_config_error(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "mine.yaml"
    path.write_bytes(raw)
    _load_or_error(path)


@pytest.mark.parametrize("make, message", [
    (lambda p: p.write_bytes(b"sources:\n  - id: a\n    name: Caf\xe9\n"), r"line 3: the sources file is not UTF-8"),
    (lambda p: p.mkdir(), "is a directory"),
])
def test_a_latin1_file_or_a_directory_is_named_with_its_problem(tmp_path: Path, make: object, message: str) -> None:
    path = tmp_path / "mine.yaml"
    make(path)  # type: ignore[operator]  # the parametrized callable
    with pytest.raises(ConfigError, match=message):
        load_sources(path, default_max_items=30)


def test_an_unchanged_sources_file_is_parsed_once_and_a_changed_one_again(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []
    real = sources.parse_yaml
    monkeypatch.setattr(sources, "parse_yaml", lambda text, name: parsed.append(name) or real(text, name))
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n- {id: a, name: A, kind: rss, url: 'https://a.gov.vn/rss'}\n", encoding="utf-8")
    first = load_sources(path, default_max_items=30)
    first.clear()  # the caller's list is its own
    assert [s.id for s in load_sources(path, default_max_items=30)] == ["a"] and len(parsed) == 1
    path.write_text("sources:\n- {id: b, name: B, kind: rss, url: 'https://b.gov.vn/rss'}\n", encoding="utf-8")
    assert [s.id for s in load_sources(path, default_max_items=30)] == ["b"] and len(parsed) == 2
    assert load_sources(path, default_max_items=5)[0].max_items == 5 and len(parsed) == 3


def test_a_ca_bundle_removed_since_the_file_was_read_fails_the_next_reading(tmp_path: Path) -> None:
    bundle = tmp_path / "chain.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n- {id: a, name: A, kind: rss, url: 'https://a.gov.vn/rss', ca_bundle: chain.pem}\n",
                    encoding="utf-8")
    assert load_sources(path, default_max_items=30)[0].ca_bundle == str(bundle)
    bundle.unlink()
    with pytest.raises(ConfigError, match=r"entry 1 \(id 'a'\): ca_bundle .*chain.pem' is not a file"):
        load_sources(path, default_max_items=30)
