"""The sources file: YAML validated into SourceSpecs, with errors that name the file, entry and problem."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cchc_monitor.errors import ConfigError
from cchc_monitor.files import field_path, one_line, parse_yaml, read_text
from cchc_monitor.gazetteer import current_province
from cchc_monitor.models import ArticleSelectors, SourceSpec
from scrapers.profiles import BY_NAME


class _Article(BaseModel):
    """A source's article layout: CSS selectors (a string or a list) for body, title, date, drop."""

    model_config = ConfigDict(extra="forbid")
    body: str | list[str]
    title: str | list[str] = []
    date: str | list[str] = []
    drop: str | list[str] = []

    def selectors(self) -> ArticleSelectors:
        def as_tuple(v: str | list[str]) -> tuple[str, ...]:
            return (v,) if isinstance(v, str) else tuple(v)

        return ArticleSelectors(as_tuple(self.body), as_tuple(self.title), as_tuple(self.date), as_tuple(self.drop))


class _Entry(BaseModel):
    """One entry of the sources file (documented in the README)."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str = Field(min_length=1)
    province: str | None = None
    province_current: str | None = None
    former_provinces: list[str] | None = None
    level: str | None = None
    kind: Literal["rss", "listing", "sitemap"]
    url: str
    link_selector: str | None = None
    cms: str | None = None
    max_items: int | None = Field(None, ge=1)
    enabled: bool = True
    ca_bundle: str | None = None
    article: _Article | None = None
    notes: str | None = None

    @field_validator("cms")
    @classmethod
    def _known_cms(cls, value: str | None) -> str | None:
        if value is not None and value not in BY_NAME:
            raise ValueError(f"unknown platform {value!r}; one of {', '.join(sorted(BY_NAME))}")
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an http:// or https:// address")
        return value


def _to_spec(entry: _Entry, default_max_items: int, folder: Path) -> SourceSpec:
    current = entry.province_current or (current_province(entry.province) if entry.province else None)
    return SourceSpec(
        id=entry.id, name=entry.name, kind=entry.kind, url=entry.url, province=entry.province,
        province_current=current, former_provinces=tuple(entry.former_provinces or ()),
        level=entry.level, link_selector=entry.link_selector,
        cms=entry.cms, max_items=entry.max_items or default_max_items, enabled=entry.enabled,
        ca_bundle=str(folder / entry.ca_bundle) if entry.ca_bundle else None,
        article=entry.article.selectors() if entry.article else None,
    )


def load_sources(path: Path | str, *, default_max_items: int) -> list[SourceSpec]:
    """Read and validate every entry (`default_max_items` for those that set none); raise ConfigError
    naming the file, the entry and the problem. The same text as this process last read from the file is
    not parsed again: the check before a cycle and the cycle itself parse it once (5,000 sources take
    seconds to parse)."""
    path = Path(path)
    text = read_text(path, "sources file")
    key = (str(path.absolute()), hashlib.sha256(text.encode("utf-8")).digest(), default_max_items)
    if key not in _READ:
        specs = _load(path, text, default_max_items)
        _READ.clear()  # a process reads one sources file, or a few: the latest reading is enough
        _READ[key] = tuple(specs)
    for number, spec in enumerate(_READ[key], start=1):  # on every call: a bundle may have gone since
        if spec.ca_bundle and not Path(spec.ca_bundle).is_file():
            raise ConfigError(f"{path}: entry {number} (id {spec.id!r}): ca_bundle {spec.ca_bundle!r} is not a file")
    return list(_READ[key])


_READ: dict[tuple[str, bytes, int], tuple[SourceSpec, ...]] = {}


def _load(path: Path, text: str, default_max_items: int) -> list[SourceSpec]:
    data = parse_yaml(text, str(path))
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        raise ConfigError(f"{path}: expected a top-level 'sources:' list")
    specs: list[SourceSpec] = []
    seen: set[str] = set()
    for number, raw in enumerate(data["sources"], start=1):
        label = f"entry {number}" + (f" (id {raw.get('id')!r})" if isinstance(raw, dict) and raw.get("id") else "")
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: {label}: expected a mapping of keys")
        try:
            entry = _Entry.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(f"{field_path(e['loc']) or 'entry'}: {one_line(e['msg'])}" for e in exc.errors())
            raise ConfigError(f"{path}: {label}: {problems}") from exc
        if entry.id in seen:
            raise ConfigError(f"{path}: {label}: id {entry.id!r} is used twice")
        seen.add(entry.id)
        specs.append(_to_spec(entry, default_max_items, path.parent))
    return specs
