"""News listing pages via beautifulsoup4 (and its selector engine soupsieve): article links by CSS selector."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from bs4 import BeautifulSoup, Tag
from soupsieve import SelectorSyntaxError

from cchc_monitor.errors import LAYOUT_CHANGED, ParseError
from cchc_monitor.models import ItemRef
from scrapers.links import host_of, join
from scrapers.markup import readable, refuse_pathological
from scrapers.profiles import PROFILES, Profile, profile_named, recognise

# Selectors tried when a source names none: each CMS profile's listing links first, then common
# portal shapes, most specific first.
DEFAULT_LINK_SELECTORS = (
    *(profile.links for profile in PROFILES),
    "article h2 a, article h3 a",
    ".news-list a.title, .list-news a.title, a.title",
    "h2 a, h3 a",
)


BAD_SELECTOR = "config.bad_selector"  # the source's link_selector is not CSS soupsieve can read

# Query parameters that number a listing's pages when no platform names its own.
GENERIC_PAGE_PARAM = r"(?i)^(?:page|pageindex|pagenum|trang|pg|p|.+_cur)$"


@dataclass(frozen=True)
class ListingPage:
    """One listing page read once: its article links and, when asked for, its next page."""

    items: list[ItemRef]
    next_url: str | None = None


def _parsed(html: str, url: str) -> BeautifulSoup:
    """The page parsed, after the markup guard (too large or nested too deep: no parser sees it)."""
    refuse_pathological(html, url)
    return BeautifulSoup(readable(html), "lxml")


def listing_profile(soup: BeautifulSoup, url: str, cms: str | None = None) -> Profile | None:
    """The platform a source's `cms:` names, else the one the page's address or markup identifies."""
    return profile_named(cms) or recognise(url, lambda css: soup.select_one(css) is not None)


def _href(anchor: Tag) -> str | None:
    """An anchor's link when it leads to a page (not "#", a script or an e-mail address)."""
    href = anchor.get("href")
    return href if isinstance(href, str) and not href.startswith(("#", "javascript:", "mailto:")) else None


def _links(soup: BeautifulSoup, css: str, url: str, host: str | None, limit: int) -> list[ItemRef]:
    """The same-site links one selector finds; an item's picture and headline share a link: keep the headline."""
    items: dict[str, ItemRef] = {}
    for anchor in _select(soup, css, url):
        if (href := _href(anchor)) is None:
            continue
        absolute = join(url, href)
        if host_of(absolute) != host:
            continue
        title = anchor.get_text(" ", strip=True) or None
        if absolute in items:
            if items[absolute].title is None and title:
                items[absolute] = ItemRef(url=absolute, title=title)
        elif len(items) < limit:
            items[absolute] = ItemRef(url=absolute, title=title)
    return list(items.values())


def read_listing(html: str, url: str, selector: str | None = None, limit: int = 30, cms: str | None = None,
                 *, follow: bool = False) -> ListingPage:
    """Article links of a listing page on the same site, in page order, without duplicates: the
    source's selector, else its platform's listing links, else the default selectors in order; with
    `follow`, also the next page's address, from the same parse."""
    soup = _parsed(html, url)
    platform = listing_profile(soup, url, cms) if follow or not selector else None
    first = (platform.links,) if platform is not None and platform.links else ()
    selectors = (selector,) if selector else tuple(dict.fromkeys((*first, *DEFAULT_LINK_SELECTORS)))
    host = host_of(url)
    for css in selectors:
        if items := _links(soup, css, url, host, limit):
            return ListingPage(items, _next_page(soup, url, platform) if follow else None)
    raise ParseError(
        f"{url}: no article links matched {selector or 'the default selectors'!r}",
        url=url, reason=LAYOUT_CHANGED,
    )


def parse_listing(html: str, url: str, selector: str | None = None, limit: int = 30,
                  cms: str | None = None) -> list[ItemRef]:
    """Article links of a listing page (read_listing without the next page)."""
    return read_listing(html, url, selector, limit, cms).items


def _select(soup: BeautifulSoup, css: str, url: str) -> list[Tag]:
    """The elements a selector picks; a selector that is not valid CSS fails its source, with a reason."""
    try:
        return list(soup.select(css))
    except (SelectorSyntaxError, NotImplementedError) as exc:  # soupsieve: not CSS / CSS it does not support
        raise ParseError(f"{url}: link_selector {css!r} is not valid CSS ({exc})", url=url,
                         reason=BAD_SELECTOR) from exc


# Words of "next page" links on Vietnamese portals (next page, next, continue) and the arrows.
NEXT_WORDS = {"trang sau", "sau", "tiếp", "trang tiếp", "tiếp theo", "next", "»", "›", ">", ">>"}


def _page_number(url: str, param: str) -> tuple[str, int] | None:
    try:
        query = urlsplit(url).query
    except ValueError:  # a malformed link ("http://[::1/x") numbers no page
        return None
    for key, value in parse_qsl(query, keep_blank_values=True):
        if re.search(param, key) and value.isdigit():
            return key, int(value)
    return None


def next_page_url(html: str, url: str, cms: str | None = None) -> str | None:
    """The listing's next page (see _next_page)."""
    soup = _parsed(html, url)
    return _next_page(soup, url, listing_profile(soup, url, cms))


def _next_page(soup: BeautifulSoup, url: str, platform: Profile | None) -> str | None:
    """rel="next"; the platform's pager; the link numbering page N+1 in the platform's (or a common)
    page parameter; a link saying "Trang sau" / "»"."""
    rel = soup.select_one('a[rel~="next"], link[rel~="next"]')
    if rel is not None and isinstance(rel.get("href"), str):
        return join(url, str(rel["href"]))
    for css in platform.next_page if platform else ():
        found = soup.select_one(css)
        if found is not None and (href := _href(found)) is not None:
            return join(url, href)
    linked = [(anchor, href) for anchor in soup.find_all("a", href=True) if (href := _href(anchor)) is not None]
    param = platform.page_param if platform and platform.page_param else GENERIC_PAGE_PARAM
    current = _page_number(url, param)
    wanted = (current[1] if current else 1) + 1
    for _, href in linked:
        absolute = join(url, href)
        numbered = _page_number(absolute, param)
        if numbered is not None and numbered[1] == wanted and (current is None or numbered[0] == current[0]):
            return absolute
    for anchor, href in linked:
        label = " ".join(anchor.get_text(" ", strip=True).lower().split())
        title = anchor.get("title")  # a str: bs4 splits only multi-valued attributes such as class
        if label in NEXT_WORDS or (isinstance(title, str) and title.strip().lower() in NEXT_WORDS):
            return join(url, href)
    return None
