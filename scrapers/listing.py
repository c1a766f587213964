"""News listing pages via beautifulsoup4: article links by CSS selector, made absolute."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup

from cchc_monitor.errors import LAYOUT_CHANGED, ParseError
from cchc_monitor.models import ItemRef
from scrapers.article import refuse_deep_markup
from scrapers.profiles import PROFILES

# Selectors tried when a source names none: each CMS profile's listing links first, then common
# portal shapes, most specific first.
DEFAULT_LINK_SELECTORS = (
    *(profile.links for profile in PROFILES),
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
        url=url, reason=LAYOUT_CHANGED,
    )


# Words of "next page" links on Vietnamese portals (next page, next, continue) and the arrows.
NEXT_WORDS = {"trang sau", "sau", "tiếp", "trang tiếp", "tiếp theo", "next", "»", "›", ">", ">>"}


def next_page_url(html: str, url: str) -> str | None:
    """The listing's next page: rel="next", a link saying "Trang sau" / "»", or page N+1 of the pager."""
    soup = BeautifulSoup(html, "lxml")
    rel = soup.select_one('a[rel~="next"], link[rel~="next"]')
    if rel is not None and isinstance(rel.get("href"), str):
        return urljoin(url, str(rel["href"]))
    for anchor in soup.find_all("a", href=True):
        label = " ".join(anchor.get_text(" ", strip=True).lower().split())
        title = anchor.get("title")  # a str: bs4 splits only multi-valued attributes such as class
        if label in NEXT_WORDS or (isinstance(title, str) and title.strip().lower() in NEXT_WORDS):
            return urljoin(url, str(anchor["href"]))
    return None
