"""Sitemaps: article URLs from <urlset> (newest first by <lastmod>) and the children of a <sitemapindex>."""

from __future__ import annotations

import re
from datetime import date

from cchc_monitor.errors import ParseError
from cchc_monitor.models import ItemRef

URL_RE = re.compile(r"<url>(.*?)</url>", re.S | re.I)
SITEMAP_RE = re.compile(r"<sitemap>(.*?)</sitemap>", re.S | re.I)
LOC_RE = re.compile(r"<loc>\s*(.*?)\s*</loc>", re.S | re.I)
LASTMOD_RE = re.compile(r"<lastmod>\s*(\d{4})-(\d{2})-(\d{2})", re.I)


def _lastmod(block: str) -> date | None:
    m = LASTMOD_RE.search(block)
    try:
        return date(int(m[1]), int(m[2]), int(m[3])) if m else None
    except ValueError:
        return None


def parse_sitemap(text: str, url: str, limit: int = 30) -> tuple[list[ItemRef], list[str]]:
    """(newest article links, child sitemaps); XML with a DOCTYPE is refused, like feeds."""
    if "<!DOCTYPE" in text[:4096].upper() or "<!ENTITY" in text[:4096]:
        raise ParseError(f"{url}: sitemap declares a DOCTYPE or ENTITY, refused", url=url, reason="parse.dtd_entities")
    children = [m.group(1).replace("&amp;", "&") for block in SITEMAP_RE.findall(text) if (m := LOC_RE.search(block))]
    entries = []
    for block in URL_RE.findall(text):
        loc = LOC_RE.search(block)
        if loc:
            entries.append(ItemRef(url=loc.group(1).replace("&amp;", "&"), published=_lastmod(block)))
    if not entries and not children:
        raise ParseError(f"{url}: not a sitemap (no <url> or <sitemap> entries)", url=url, reason="parse.not_a_sitemap")
    entries.sort(key=lambda item: item.published or date.min, reverse=True)
    return entries[:limit], children
