"""News listing pages via beautifulsoup4 (and its selector engine soupsieve): article links by CSS selector."""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag
from soupsieve import SelectorSyntaxError

from cchc_monitor.errors import LAYOUT_CHANGED, ParseError
from cchc_monitor.models import ItemRef
from scrapers.links import host_of, join
from scrapers.markup import readable, refuse_pathological
from scrapers.profiles import PROFILES

BAD_SELECTOR = "config.bad_selector"  # the source's link_selector is not CSS soupsieve can read

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
    refuse_pathological(html, url)
    soup = BeautifulSoup(readable(html), "lxml")
    selectors = (selector,) if selector else DEFAULT_LINK_SELECTORS
    host = host_of(url)
    for css in selectors:
        items: list[ItemRef] = []
        seen: set[str] = set()
        for anchor in _select(soup, css, url):
            href = anchor.get("href")
            if not isinstance(href, str) or href.startswith(("#", "javascript:", "mailto:")):
                continue
            absolute = join(url, href)
            if host_of(absolute) != host or absolute in seen:
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


def _select(soup: BeautifulSoup, css: str, url: str) -> list[Tag]:
    """The elements a selector picks; a selector that is not valid CSS fails its source, with a reason."""
    try:
        return list(soup.select(css))
    except (SelectorSyntaxError, NotImplementedError) as exc:  # soupsieve: not CSS / CSS it does not support
        raise ParseError(f"{url}: link_selector {css!r} is not valid CSS ({exc})", url=url,
                         reason=BAD_SELECTOR) from exc


# Words of "next page" links on Vietnamese portals (next page, next, continue) and the arrows.
NEXT_WORDS = {"trang sau", "sau", "tiếp", "trang tiếp", "tiếp theo", "next", "»", "›", ">", ">>"}


def next_page_url(html: str, url: str) -> str | None:
    """The listing's next page: rel="next", a link saying "Trang sau" / "»", or page N+1 of the pager."""
    refuse_pathological(html, url)
    soup = BeautifulSoup(readable(html), "lxml")
    rel = soup.select_one('a[rel~="next"], link[rel~="next"]')
    if rel is not None and isinstance(rel.get("href"), str):
        return join(url, str(rel["href"]))
    for anchor in soup.find_all("a", href=True):
        label = " ".join(anchor.get_text(" ", strip=True).lower().split())
        title = anchor.get("title")  # a str: bs4 splits only multi-valued attributes such as class
        if label in NEXT_WORDS or (isinstance(title, str) and title.strip().lower() in NEXT_WORDS):
            return join(url, str(anchor["href"]))
    return None
