"""News listing pages via beautifulsoup4: article links by CSS selector, made absolute."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup

from cchc_monitor.errors import ParseError
from cchc_monitor.models import ItemRef
from scrapers.article import refuse_deep_markup

# Selectors tried when a source names none, most specific first (common portal shapes).
DEFAULT_LINK_SELECTORS = (
    "article h2 a, article h3 a",
    ".news-list a.title, .list-news a.title, a.title",
    "h2 a, h3 a",
)


def parse_listing(html: str, url: str, selector: str | None = None, limit: int = 30) -> list[ItemRef]:
    """Article links of a listing page on the same site, in page order, without duplicates."""
    refuse_deep_markup(html, url)
    soup = BeautifulSoup(html, "lxml")
    selectors = (selector,) if selector else DEFAULT_LINK_SELECTORS
    host = urlsplit(url).hostname
    for css in selectors:
        items: list[ItemRef] = []
        seen: set[str] = set()
        for anchor in soup.select(css):
            href = anchor.get("href")
            if not isinstance(href, str) or href.startswith(("#", "javascript:", "mailto:")):
                continue
            absolute = urljoin(url, href)
            if urlsplit(absolute).hostname != host or absolute in seen:
                continue
            seen.add(absolute)
            title = anchor.get_text(" ", strip=True) or None
            items.append(ItemRef(url=absolute, title=title))
            if len(items) >= limit:
                break
        if items:
            return items
    raise ParseError(
        f"{url}: no article links matched {selector or 'the default selectors'!r}",
        url=url, reason="parse.no_links",
    )
