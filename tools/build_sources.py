"""Build the default sources.yaml from ../shared/data/sources-evidence.yaml (feeds and CCHC sections seen)."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from cchc_monitor.gazetteer import MERGER_2025, canonical_province

# Portal levels read from their home page when no feed or CCHC section is known (papers are not).
PORTAL_LEVELS = {"province", "national", "department", "city"}
# Current-province spellings in the evidence → the gazetteer's names.
CURRENT_NAMES = {"TP. Hồ Chí Minh": "Hồ Chí Minh", "Thành phố Hồ Chí Minh": "Hồ Chí Minh"}

# Portal platforms ../shared/guide/cms-evidence.md ties to a host (crawler configurations and vendor
# templates), by our profile names; they win over the evidence file's looser `cms` notes.
PLATFORM_HOSTS = {
    "moh.gov.vn": "viettel",
    "laocai.gov.vn": "vnpt-vnportal", "caobang.gov.vn": "vnpt-vnportal", "ninhbinh.gov.vn": "vnpt-vnportal",
    "sonla.gov.vn": "vnpt-vnportal", "namdinh.gov.vn": "vnpt-vnportal", "binhthuan.gov.vn": "vnpt-vnportal",
    "bacha.laocai.gov.vn": "vnpt-vnportal",
    "cmsc.gov.vn": "vnpt-eportal",
    "dienbien.gov.vn": "tandan",
}
# The evidence file's platform families that have a profile of ours (the others are not written).
CMS_FAMILIES = {"liferay": "liferay", "sharepoint": "sharepoint", "nukeviet": "nukeviet", "nukeviet-style": "nukeviet"}

HEADER = """\
# Default sources of CCHC Monitor, built by tools/build_sources.py from the evidence file
# ../shared/data/sources-evidence.yaml (addresses seen in public material, not live-checked).
# Keys are documented in README.md ("The sources file"). Legacy sites are kept but disabled.
"""


def slug(text: str) -> str:
    """Lower-case id from a host and path."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _canonical(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip()
    return canonical_province(name) or CURRENT_NAMES.get(name, name)


def _province(entry: dict) -> tuple[str | None, str | None, list[str]]:
    """(province as the source knows it, province after 2025, former provinces merged into it)."""
    prov = entry.get("province") or {}
    current = CURRENT_NAMES.get((prov.get("current") or "").strip(), (prov.get("current") or "").strip()) or None
    former = [_canonical(p) for p in re.split(r",", prov.get("former") or "") if p.strip()]
    if entry.get("level") == "province" or not former:
        namesake = MERGER_2025.get(current or "", (None,))[0] if current else None
        merged = list(MERGER_2025.get(current or "", ())) if former else []
        return namesake or current, current, merged
    return former[0], current, []


def _with_https_preferred(urls: list[str]) -> list[str]:
    kept: dict[str, str] = {}
    for url in urls:
        key = url.split("://", 1)[1]
        if key not in kept or url.startswith("https://"):
            kept[key] = url
    return list(kept.values())


def _homepage(entry: dict) -> str | None:
    page = entry.get("homepage")
    if not page:
        return None
    return page if page.startswith(("http://", "https://")) else f"https://{page.strip('/')}/"


def build(evidence: dict) -> list[dict]:
    """One source per RSS feed and per CCHC section of every entry; a portal with neither is read
    from its home page's news links. Legacy and pre-merger sites are listed but disabled."""
    sources: list[dict] = []
    seen: set[str] = set()
    for entry in evidence["entries"]:
        province, current, former = _province(entry)
        enabled = entry.get("period") not in ("legacy", "pre-merger")
        found = [("rss", u) for u in _with_https_preferred(entry.get("rss") or [])]
        if entry.get("cchc_section"):
            found.append(("listing", entry["cchc_section"]))
        if not found and entry.get("level") in PORTAL_LEVELS and (home := _homepage(entry)):
            found.append(("listing", home))
        for kind, url in found:
            parts = urlsplit(url)
            host = (parts.hostname or "").removeprefix("www.")
            name = "-".join(p for p in host.split(".") if p not in {"gov", "vn", "com", "org", "net"})
            path = re.sub(r"\.(rss|htm|html|aspx)$", "", parts.path)
            base = slug(name) if len(found) == 1 else slug(f"{name}-{path}")
            ident = base
            while ident in seen:
                ident += "-2"
            seen.add(ident)
            source = {"id": ident, "name": entry["name"], "kind": kind, "url": url,
                      "province": province, "province_current": current,
                      "former_provinces": former or None, "level": entry.get("level")}
            family = (entry.get("cms") or "").split(" (")[0].split()
            if cms := PLATFORM_HOSTS.get(host) or (CMS_FAMILIES.get(family[0].lower()) if family else None):
                source["cms"] = cms
            source["enabled"] = enabled
            sources.append({k: v for k, v in source.items() if v is not None})
    return sources


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--evidence", type=Path, default=Path("../shared/data/sources-evidence.yaml"))
    parser.add_argument("--out", type=Path, default=Path("sources.yaml"))
    args = parser.parse_args()
    evidence = yaml.safe_load(args.evidence.read_text(encoding="utf-8"))
    sources = build(evidence)
    body = yaml.safe_dump({"sources": sources}, allow_unicode=True, sort_keys=False, width=120)
    args.out.write_text(HEADER + body, encoding="utf-8")
    print(f"wrote {len(sources)} sources to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
