"""Links found in fetched documents: joined to their page without raising, and checked before anything fetches them."""

from __future__ import annotations

from urllib.parse import urljoin

from cchc_monitor.errors import FetchError
from cchc_monitor.models import FetchRecord, ItemRef
from scrapers.guard import checked_parts

MAX_LINK_CHARS = 2048  # longer "links" are markup gone wrong, not article addresses
INVALID_LINK = "parse.invalid_link"


def join(base: str, href: str) -> str:
    """`href` made absolute against `base`; unchanged when either cannot be parsed (it is refused later)."""
    try:
        return urljoin(base, href.strip())
    except ValueError:
        return href


def host_of(url: str) -> str | None:
    """The URL's host name, or None for a URL that cannot be parsed."""
    try:
        return checked_parts(url).hostname
    except FetchError:
        return None


def link_problem(url: str) -> str | None:
    """Why a discovered link cannot be fetched, or None when it is a usable http(s) address."""
    if len(url) > MAX_LINK_CHARS:
        return f"link longer than {MAX_LINK_CHARS} characters"
    if url.split(":", 1)[0].strip().lower() not in ("http", "https"):
        return "not an http or https link"
    try:
        checked_parts(url)
    except FetchError as exc:
        return str(exc)
    return None


def usable_items(source_id: str, items: list[ItemRef]) -> tuple[list[ItemRef], list[FetchRecord]]:
    """(items whose links can be fetched, a fetch-log line for each that cannot): one bad link is
    one recorded item, never the end of its source or of the cycle."""
    good: list[ItemRef] = []
    refused: list[FetchRecord] = []
    for item in items:
        problem = link_problem(item.url)
        if problem is None:
            good.append(item)
        else:
            refused.append(FetchRecord(source_id, item.url[:MAX_LINK_CHARS], False, INVALID_LINK, problem[:500]))
    return good, refused
