"""RSS/Atom feeds via feedparser (bytes we fetched; feedparser never does HTTP itself)."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime

import feedparser

from cchc_monitor.dates import VIETNAM
from cchc_monitor.errors import ParseError
from cchc_monitor.models import ItemRef


def _published(entry: feedparser.FeedParserDict) -> date | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    utc = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    return utc.astimezone(VIETNAM).date()


def parse_feed(text: str, url: str, limit: int = 30) -> list[ItemRef]:
    """The newest `limit` items with a link; ParseError when the document is not a usable feed."""
    if "<!ENTITY" in text[:4096] or "<!DOCTYPE" in text[:4096].upper():
        raise ParseError(f"{url}: feed declares a DOCTYPE or ENTITY, refused", url=url, reason="parse.dtd_entities")
    parsed = feedparser.parse(text)
    if not parsed.version and not parsed.entries:
        raise ParseError(f"{url}: not an RSS or Atom feed", url=url, reason="parse.not_a_feed")
    items = []
    for entry in parsed.entries[:limit]:
        link = entry.get("link")
        if not link:
            continue
        items.append(ItemRef(url=link, title=entry.get("title"), published=_published(entry),
                             summary=entry.get("summary")))
    if not items:
        detail = f" ({parsed.bozo_exception})" if parsed.bozo else ""
        raise ParseError(f"{url}: feed has no items with links{detail}", url=url, reason="parse.empty_feed")
    return items
