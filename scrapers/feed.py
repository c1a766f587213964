"""RSS/Atom feeds via feedparser: only bytes we fetched reach it, as a stream, so it never opens a URL or a file."""

from __future__ import annotations

import calendar
import io
from datetime import UTC, date, datetime

import feedparser

from cchc_monitor.dates import VIETNAM, make_date
from cchc_monitor.errors import ParseError
from cchc_monitor.models import ItemRef
from scrapers.article import markup_text
from scrapers.links import join
from scrapers.markup import refuse_pathological

HTML_TYPES = {"text/html", "application/xhtml+xml"}


def _published(entry: feedparser.FeedParserDict) -> date | None:
    """The item's date in Vietnam, or None when missing or not a plausible day (year 9999, year 0)."""
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    try:
        local = datetime.fromtimestamp(calendar.timegm(parsed), UTC).astimezone(VIETNAM)
    except (ValueError, OverflowError, OSError, TypeError):
        return None
    return make_date(local.day, local.month, local.year)


def _title(entry: feedparser.FeedParserDict) -> str | None:
    """The item's title as text: an HTML-typed one (Atom type="html", an RSS title holding markup) without
    its tags, scripts or entities."""
    title = entry.get("title")
    if not isinstance(title, str):
        return None
    detail = entry.get("title_detail") or {}
    if detail.get("type") in HTML_TYPES:
        title = markup_text(title)
    return title or None


def _parse(text: str, url: str) -> feedparser.FeedParserDict:
    """feedparser over our decoded text, given as a UTF-8 byte stream with our headers: a stream is
    never taken for a location (a str or bytes may be: a URL, /etc/passwd, file://), and our
    decoding (scrapers/decode.py) is the only one; the feed's URL resolves relative links. Only links, titles
    and dates are read, so the items' HTML is neither sanitised nor has its links rewritten (40 % of the
    parse); an HTML-typed title is read as its text (_title)."""
    stream = io.BytesIO(text.encode("utf-8", errors="replace"))
    headers = {"content-type": "application/xml; charset=utf-8", "content-location": url}
    return feedparser.parse(stream, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)


def parse_feed(text: str, url: str, limit: int = 30) -> list[ItemRef]:
    """The newest `limit` items with a link; ParseError when the document is not a usable feed."""
    if "<!ENTITY" in text[:4096] or "<!DOCTYPE" in text[:4096].upper():
        raise ParseError(f"{url}: feed declares a DOCTYPE or ENTITY, refused", url=url, reason="parse.dtd_entities")
    refuse_pathological(text, url, xml=True)
    parsed = _parse(text, url)
    if not parsed.get("version") and not parsed.get("entries"):
        raise ParseError(f"{url}: not an RSS or Atom feed", url=url, reason="parse.not_a_feed")
    items = []
    for entry in parsed.get("entries", [])[:limit]:  # an item without a usable link keeps url "" and is refused later
        link = entry.get("link")
        items.append(ItemRef(url=join(url, link) if link and isinstance(link, str) else "",
                             title=_title(entry), published=_published(entry)))
    if not any(item.url for item in items):
        detail = f" ({parsed.get('bozo_exception')})" if parsed.get("bozo") else ""
        raise ParseError(f"{url}: feed has no items with links{detail}", url=url, reason="parse.empty_feed")
    return items
