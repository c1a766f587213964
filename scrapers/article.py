"""Article pages to title, publication date and body: a CMS profile first (selectolax), trafilatura after.

selectolax (lexbor) and trafilatura are imported here only. A profile applies when its body
container holds enough text; boilerplate (sharing, font size, counters, related news) is removed
by class and by the heading text that opens such blocks.
"""

from __future__ import annotations

import json
import re
from datetime import date

import trafilatura
from selectolax.lexbor import LexborHTMLParser, LexborNode

from cchc_monitor.dates import find_dates, publication_date
from cchc_monitor.errors import ParseError
from cchc_monitor.models import ArticleSelectors, ExtractedArticle
from cchc_monitor.text import nfc
from scrapers.profiles import BOILERPLATE_HEADINGS, BOILERPLATE_SELECTORS, PROFILES, Profile

MIN_BODY_CHARS = 80
# Machine-readable publication metadata that trafilatura's date can be trusted from.
DATE_META_RE = re.compile(r"article:published_time|itemprop=[\"']datePublished|name=[\"']pubdate", re.I)
MAX_DEPTH = 1000
CONTAINER_TAG_RE = re.compile(r"<(/?)(?:div|section|article|span|table|tbody|tr|td|ul|ol|li|p)\b", re.I)
BLOCK_END_RE = re.compile(r"(</(?:p|div|li|h[1-6]|tr|blockquote|pre|table|ul|ol|section|article)\s*>|<br\s*/?>)", re.I)


def _text(node: LexborNode) -> str:
    return " ".join(node.text(separator=" ").split())


def _first_text(tree: LexborHTMLParser, selectors: tuple[str, ...]) -> str | None:
    for css in selectors:
        node = tree.css_first(css)
        if node is not None and (text := _text(node)):
            return text
    return None


def _drop_boilerplate(body: LexborNode, profile: Profile) -> None:
    for css in (*BOILERPLATE_SELECTORS, *profile.drop):
        for node in body.css(css):
            node.decompose()
    for heading in body.css("h2, h3, h4, h5, h6, strong, b, .title"):
        label = _text(heading).lower().rstrip(":")
        if not label.startswith(BOILERPLATE_HEADINGS) or len(label) > 60:
            continue
        block = heading.parent
        if block is not None and block is not body and block.mem_id != body.mem_id:
            block.decompose()
        else:
            heading.decompose()


def _paragraphs(body: LexborNode) -> str:
    """The body's text, one paragraph per line (block ends and <br> become line breaks)."""
    marked = BLOCK_END_RE.sub(lambda m: m.group(1) + "\n", body.html or "")
    text = LexborHTMLParser(marked).text(separator="")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _profile_body(tree: LexborHTMLParser, first: Profile | None) -> tuple[Profile, LexborNode] | None:
    for profile in (first, *PROFILES) if first else PROFILES:
        for css in profile.body:
            node = tree.css_first(css)
            if node is not None and len(_text(node)) >= MIN_BODY_CHARS:
                return profile, node
    return None


def _profile_date(tree: LexborHTMLParser, profile: Profile) -> date | None:
    """The date in the platform's date element, if it shows one (reads the tree, changes nothing)."""
    shown = _first_text(tree, profile.date)
    found = find_dates(shown) if shown else []
    return found[0][0] if found else None


def _dateline(tree: LexborHTMLParser, title: str | None) -> date | None:
    """A dateline printed just after the title; removes scripts and page chrome from the tree."""
    root = tree.body or tree.root
    if root is None:
        return None
    for node in root.css("script, style, nav, header, footer, aside"):
        node.decompose()
    text = nfc(root.text(separator="\n"))
    if title and title in text:
        text = text[text.index(title):]
    return publication_date(text, head_chars=400)


def source_profile(source_id: str, selectors: ArticleSelectors) -> Profile:
    """The profile a source's own `article:` selectors make (tried before the built-in ones)."""
    return Profile(name=f"source:{source_id}", body=selectors.body, title=selectors.title,
                   date=selectors.date, links="", drop=selectors.drop)


def extract_article(html: str, url: str, feed_date: date | None = None,
                    profile: Profile | None = None) -> ExtractedArticle:
    """Title, publication date and body of one article page; ParseError when no body is found.
    `profile`, when given, is tried before the built-in CMS profiles."""
    refuse_deep_markup(html, url)
    tree = LexborHTMLParser(html)
    found = _profile_body(tree, profile)
    if found is not None:
        profile, node = found
        title = _first_text(tree, profile.title) or _first_text(tree, ("h1", "title"))
        published = feed_date or _profile_date(tree, profile)
        for css in (*profile.title, *profile.date):  # headline and dateline are not body text
            for meta in node.css(css):
                meta.decompose()
        _drop_boilerplate(node, profile)
        body = nfc(_paragraphs(node))
        if len(body) >= MIN_BODY_CHARS:
            published = published or _dateline(tree, title)  # the body is taken: the tree may change now
            return ExtractedArticle(url, nfc(title) if title else None, published, body, profile.name)
    return _generic(html, url, feed_date, tree)


def nesting_depth(html: str, stop_at: int = MAX_DEPTH) -> int:
    """How deep container tags nest (stops counting at `stop_at`); cheap, on the raw markup."""
    depth = deepest = 0
    for m in CONTAINER_TAG_RE.finditer(html):
        depth = max(0, depth - 1) if m.group(1) else depth + 1
        deepest = max(deepest, depth)
        if deepest >= stop_at:
            break
    return deepest


def refuse_deep_markup(html: str, url: str) -> None:
    """HTML parsers slow down sharply on absurd nesting (lexbor took 51 s for 100,000 nested divs):
    such a page is refused before any parser sees it."""
    if nesting_depth(html) >= MAX_DEPTH:
        raise ParseError(f"{url}: markup nested deeper than {MAX_DEPTH} levels, not parsed", url=url,
                         reason="parse.malformed_html")


def _generic(html: str, url: str, feed_date: date | None, tree: LexborHTMLParser) -> ExtractedArticle:
    """Unknown layouts: trafilatura, with our Vietnamese date rules before its own date guess."""
    raw = trafilatura.extract(html, url=url or None, output_format="json", with_metadata=True,
                              include_comments=False)
    data = json.loads(raw) if raw else {}
    body = nfc((data.get("text") or "").strip())
    if len(body) < MIN_BODY_CHARS:
        raise ParseError(f"{url}: no article body found ({len(body)} characters)", url=url, reason="parse.no_body")
    title = nfc(data.get("title") or _first_text(tree, ("h1", "title")) or "") or None
    published = feed_date or _dateline(tree, title)
    if published is None and data.get("date") and DATE_META_RE.search(html):
        published = date.fromisoformat(data["date"][:10])
    return ExtractedArticle(url=url, title=title, published=published, text=body, extractor="trafilatura")


def page_text(html: str, url: str) -> str:
    """The article's title and body when one is found, else all visible text of the page."""
    try:
        article = extract_article(html, url)
    except ParseError:
        tree = LexborHTMLParser(html)
        return nfc(tree.body.text(separator="\n") if tree.body else "")
    return f"{article.title}\n\n{article.text}" if article.title else article.text
