"""Sitemaps: article URLs from <urlset> (newest first by <lastmod>) and the children of a <sitemapindex>.

Read by one linear pass over the tags it knows (no regex spans "<url>...</url>", which backtracked
quadratically over 200,000 unclosed <url>): an unclosed block simply ends the document.
"""

from __future__ import annotations

import re
from datetime import date

from cchc_monitor.dates import make_date
from cchc_monitor.errors import ParseError
from cchc_monitor.models import ItemRef
from scrapers.links import join
from scrapers.markup import MAX_MARKUP_CHARS

TAG_RE = re.compile(r"<(/?)(?:[\w.-]{1,32}:)?(url|sitemap|loc|lastmod)\s{0,8}>", re.I)
LASTMOD_RE = re.compile(r"\s{0,64}(\d{4})-(\d{2})-(\d{2})")
MAX_LOC_CHARS = 2048


def _lastmod(text: str) -> date | None:
    m = LASTMOD_RE.match(text)
    return make_date(int(m[3]), int(m[2]), int(m[1])) if m else None


def _blocks(text: str) -> list[tuple[str, str | None, date | None]]:
    """(url or sitemap, its <loc>, its <lastmod>) for each closed block, in document order."""
    out: list[tuple[str, str | None, date | None]] = []
    block: str | None = None
    loc: str | None = None
    modified: date | None = None
    inner_start = -1
    for m in TAG_RE.finditer(text):
        closing, name = bool(m.group(1)), m.group(2).lower()
        if name in ("url", "sitemap"):
            if closing and block == name:
                out.append((name, loc, modified))
            block, loc, modified = (None if closing else name), None, None
        elif block is not None and name == "loc":
            if closing and inner_start >= 0 and m.start() - inner_start <= MAX_LOC_CHARS:
                loc = text[inner_start:m.start()].strip().replace("&amp;", "&")
            inner_start = -1 if closing else m.end()
        elif block is not None and name == "lastmod" and not closing:
            modified = _lastmod(text[m.end():m.end() + 80])
    return out


def parse_sitemap(text: str, url: str, limit: int = 30) -> tuple[list[ItemRef], list[str]]:
    """(newest article links, child sitemaps); XML with a DOCTYPE is refused, like feeds."""
    if "<!DOCTYPE" in text[:4096].upper() or "<!ENTITY" in text[:4096]:
        raise ParseError(f"{url}: sitemap declares a DOCTYPE or ENTITY, refused", url=url, reason="parse.dtd_entities")
    if len(text) > MAX_MARKUP_CHARS:
        raise ParseError(f"{url}: sitemap of {len(text)} characters, not parsed", url=url, reason="parse.too_large")
    blocks = _blocks(text)
    children = [join(url, loc) for kind, loc, _ in blocks if kind == "sitemap" and loc]
    entries = [ItemRef(url=join(url, loc), published=when) for kind, loc, when in blocks if kind == "url" and loc]
    if not entries and not children:
        raise ParseError(f"{url}: not a sitemap (no <url> or <sitemap> entries)", url=url, reason="parse.not_a_sitemap")
    entries.sort(key=lambda item: item.published or date.min, reverse=True)
    return entries[:limit], children
