"""Discover a source's article links, then fetch and extract each article, politely."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from cchc_monitor.config import FetchPolicy
from cchc_monitor.errors import ScrapeError
from cchc_monitor.models import ExtractedArticle, FetchRecord, ItemRef, SourceSpec
from scrapers.article import extract_article, source_profile
from scrapers.feed import parse_feed
from scrapers.fetch import Fetcher, RobotsCache, sendable, tls_context
from scrapers.links import link_problem, usable_items
from scrapers.listing import read_listing
from scrapers.politeness import Gates
from scrapers.profiles import profile_named
from scrapers.sitemap import parse_sitemap

LOG = logging.getLogger(__name__)
UNEXPECTED = "scrape.unexpected_error"  # an error no module translated: a bug to fix, logged with its traceback


@dataclass(frozen=True)
class Discovered:
    """A source's newest article links, the validators to send next time, and whether nothing changed."""

    items: list[ItemRef]
    validators: dict[str, str] = field(default_factory=dict)
    not_modified: bool = False
    refused: list[FetchRecord] = field(default_factory=list)  # items whose links cannot be fetched, logged


@lru_cache(maxsize=8)
def shared_gates(min_delay: float) -> Gates:
    """The politeness state of this process, shared by every task that fetches."""
    return Gates(min_delay=min_delay)


@lru_cache(maxsize=1)
def shared_robots() -> RobotsCache:
    """The robots.txt rules this process has read, for every fetcher."""
    return RobotsCache()


def fetcher_for(spec: SourceSpec, policy: FetchPolicy, gates: Gates | None = None) -> Fetcher:
    """A fetcher for one source: shared host gates and robots rules, its own TLS trust when it
    names a CA bundle."""
    verify = tls_context(Path(spec.ca_bundle)) if spec.ca_bundle else True
    return Fetcher(policy, gates=gates or shared_gates(policy.host_delay), verify=verify, robots=shared_robots())


def discover(fetcher: Fetcher, spec: SourceSpec, validators: dict[str, str] | None = None,
             pages: int = 1) -> Discovered:
    """The newest article links of one source: feed items, sitemap entries, or listing links,
    following the listing's "next page" links up to `pages` pages (for backfills). A link that
    cannot be fetched (`http://[::1/x`, port 99999) is a refused item in the log, not a failure."""
    found = _discover(fetcher, spec, validators, pages)
    items, refused = usable_items(spec.id, found.items)
    return Discovered(items, found.validators, found.not_modified, refused)


def _discover(fetcher: Fetcher, spec: SourceSpec, validators: dict[str, str] | None, pages: int) -> Discovered:
    page = fetcher.get(spec.url, validators=validators, source_url=spec.url)
    if page.not_modified:
        return Discovered([], {k: v for k, v in (validators or {}).items() if sendable(v)}, not_modified=True)
    if spec.kind == "rss":
        return Discovered(parse_feed(page.text, page.final_url, limit=spec.max_items), page.validators)
    if spec.kind == "sitemap":
        items, children = parse_sitemap(page.text, page.final_url, limit=spec.max_items)
        for child in [c for c in children if link_problem(c) is None][:3]:  # the first hold the newest entries
            items += parse_sitemap(fetcher.get(child, source_url=spec.url).text, child, spec.max_items)[0]
        return Discovered(items[: spec.max_items * max(pages, 1)], page.validators)
    listing = read_listing(page.text, page.final_url, spec.link_selector, spec.max_items, spec.cms, follow=pages > 1)
    items = listing.items
    seen = {item.url for item in items}
    for left in range(pages - 1, 0, -1):
        if listing.next_url is None:
            break
        current = fetcher.get(listing.next_url, source_url=spec.url)
        listing = read_listing(current.text, current.final_url, spec.link_selector, spec.max_items, spec.cms,
                               follow=left > 1)
        fresh = [i for i in listing.items if i.url not in seen]
        if not fresh:
            break
        seen.update(i.url for i in fresh)
        items += fresh
    return Discovered(items, page.validators)


def fetch_article(fetcher: Fetcher, item: ItemRef, spec: SourceSpec) -> ExtractedArticle:
    """Fetch one article page and extract title, date and body (markup bounded before any parser)."""
    page = fetcher.get(item.url, source_url=spec.url)
    return extract_page(page.text, page.final_url, item, spec)


def extract_page(text: str, final_url: str, item: ItemRef, spec: SourceSpec) -> ExtractedArticle:
    """Title, date and body of a fetched article page, by the source's profile; the feed's title and
    date stand in for what the page lacks."""
    profile = source_profile(spec.id, spec.article) if spec.article else profile_named(spec.cms)
    article = extract_article(text, final_url, feed_date=item.published, profile=profile)
    if article.title is None and item.title:
        article = ExtractedArticle(article.url, item.title, article.published, article.text, article.extractor)
    return article


def fetch_articles(fetcher: Fetcher, spec: SourceSpec, items: list[ItemRef]
                   ) -> tuple[list[ExtractedArticle], list[FetchRecord]]:
    """Fetch and extract each new article of one source; a failing article is a fetch-log line, not an error."""
    articles: list[ExtractedArticle] = []
    log: list[FetchRecord] = []
    for item in items:
        try:
            article = fetch_article(fetcher, item, spec)
        except ScrapeError as exc:
            log.append(FetchRecord(spec.id, item.url, False, exc.reason, str(exc)))
            continue
        except Exception as exc:  # a bug or an untranslated library error: this item fails, loudly, the rest go on
            LOG.exception("source %s: unexpected error on %s", spec.id, item.url)
            log.append(FetchRecord(spec.id, item.url, False, UNEXPECTED, f"{type(exc).__name__}: {exc}"[:500]))
            continue
        articles.append(article)
        log.append(FetchRecord(spec.id, item.url, True, status=200))
    return articles, log
