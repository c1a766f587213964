"""Fetch and parse: discover article links of a source, then fetch and extract each article."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cchc_monitor.models import ExtractedArticle, ItemRef, SourceSpec
from scrapers.article import extract_article
from scrapers.feed import parse_feed
from scrapers.http import fetch, make_client
from scrapers.listing import parse_listing
from scrapers.sources import load_sources

if TYPE_CHECKING:
    import httpx

__all__ = ["discover", "extract_article", "fetch_article", "load_sources", "make_client"]


def discover(client: httpx.Client, spec: SourceSpec) -> list[ItemRef]:
    """The newest article links of one source (its feed items or listing links)."""
    page = fetch(client, spec.url)
    if spec.kind == "rss":
        return parse_feed(page.text, spec.url, limit=spec.max_items)
    return parse_listing(page.text, page.final_url, spec.link_selector, limit=spec.max_items)


def fetch_article(client: httpx.Client, item: ItemRef) -> ExtractedArticle:
    """Fetch one article page and extract title, date and body."""
    page = fetch(client, item.url)
    article = extract_article(page.text, page.final_url, feed_date=item.published)
    if article.title is None and item.title:
        article = ExtractedArticle(article.url, item.title, article.published, article.text, article.extractor)
    return article
