"""Article pages to title, publication date and body text (trafilatura, with Vietnamese date rules)."""

from __future__ import annotations

import json
import re
from datetime import date

import trafilatura
from bs4 import BeautifulSoup

from analysis.dates import publication_date
from analysis.text import nfc
from cchc_monitor.errors import ParseError
from cchc_monitor.models import ExtractedArticle

MIN_BODY_CHARS = 80
# Machine-readable publication metadata that trafilatura's date can be trusted from.
DATE_META_RE = re.compile(r"article:published_time|itemprop=[\"']datePublished|name=[\"']pubdate", re.I)


def _title_of(html: str) -> str | None:
    soup = BeautifulSoup(html, "lxml")
    for css in ("h1", "h2.title, h3.title, .title-detail, .news-title", "title"):
        node = soup.select_one(css)
        if node and node.get_text(strip=True):
            return node.get_text(" ", strip=True)
    return None


def _dateline_text(html: str) -> str:
    """The visible text of the page, one block per line, for finding a dateline near the title."""
    soup = BeautifulSoup(html, "lxml")
    for node in soup(["script", "style", "nav", "header", "footer", "aside"]):
        node.decompose()
    return soup.get_text("\n", strip=True)


def extract_article(html: str, url: str, feed_date: date | None = None) -> ExtractedArticle:
    """Title, publication date and body of one article page; ParseError when no body is found."""
    raw = trafilatura.extract(html, url=url, output_format="json", with_metadata=True,
                              include_comments=False, favor_precision=True)
    data = json.loads(raw) if raw else {}
    body = nfc((data.get("text") or "").strip())
    if len(body) < MIN_BODY_CHARS:
        raise ParseError(f"{url}: no article body found ({len(body)} characters)", url=url, reason="parse.no_body")
    title = nfc(data.get("title") or _title_of(html) or "") or None
    published = feed_date or _page_date(html, title)
    if published is None and data.get("date") and DATE_META_RE.search(html):
        published = date.fromisoformat(data["date"][:10])
    return ExtractedArticle(url=url, title=title, published=published, text=body, extractor="trafilatura")


def _page_date(html: str, title: str | None) -> date | None:
    """A dateline printed just after the title ("7:29, Thứ Tư, 31-1-2024")."""
    text = nfc(_dateline_text(html))
    if title and title in text:
        text = text[text.index(title):]
    return publication_date(text, head_chars=400)


def page_text(html: str, url: str) -> str:
    """The article's title and body when one is found, else all visible text of the page."""
    try:
        article = extract_article(html, url)
    except ParseError:
        return nfc(_dateline_text(html))
    return f"{article.title}\n\n{article.text}" if article.title else article.text
