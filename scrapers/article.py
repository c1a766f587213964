"""Article pages to title, publication date and body: a CMS profile first (selectolax), trafilatura after.

selectolax (lexbor) and trafilatura are imported here only. A page is matched to a platform by
what identifies it (URL shape, class names, portlet ids), else to the first profile whose body
container holds enough text, else it goes to trafilatura. On both paths boilerplate (sharing,
counters, related and most-read lists, comment forms, captions, bylines) is removed by class, by
the Vietnamese label that heads it and by link density.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from cchc_monitor.dates import find_dates, publication_date
from cchc_monitor.errors import ParseError
from cchc_monitor.models import ArticleSelectors, ExtractedArticle
from cchc_monitor.text import nfc
from scrapers.markup import readable, refuse_pathological
from scrapers.profiles import (
    BOILERPLATE_HEADINGS,
    BOILERPLATE_SELECTORS,
    FAMILIES,
    LEAD_INS,
    STANDALONE_LABELS,
    Profile,
    recognise,
)

MIN_BODY_CHARS = 80
# Bounds that keep one page's cost linear and capped: the body kept (a long legal text is about
# 100,000 characters) and the cleaned markup handed to trafilatura, whose cost grows fastest.
MAX_BODY_CHARS = 300_000
MAX_GENERIC_MARKUP = 1_500_000
# Machine-readable publication metadata that trafilatura's date can be trusted from.
DATE_META_RE = re.compile(r"article:published_time|itemprop=[\"']datePublished|name=[\"']pubdate", re.I)
BLOCK_END_RE = re.compile(r"(</(?:p|div|li|h[1-6]|tr|blockquote|pre|table|ul|ol|section|article)\s*>|<br\s*/?>)", re.I)
# Page-level blocks the generic path drops before trafilatura. Forms stay (ASP.NET pages wrap the
# whole page in one); their fields and comment boxes go by the other selectors.
GENERIC_DROP = tuple(css for css in BOILERPLATE_SELECTORS if css != "form")
HEADINGS = frozenset(BOILERPLATE_HEADINGS)
STANDALONE = frozenset(STANDALONE_LABELS)
LEAD_IN_RE = re.compile(r"^\W*(?:{})\s*[:>»›]".format("|".join(LEAD_INS)), re.I)
LABEL_NOISE_RE = re.compile(r"[\d():|.,»›>\-–—/\[\]]+")
CAPTION_CHARS = 250
# Where newspapers print the lead: "sapo" is the Vietnamese newsroom word for it.
LEAD_SELECTORS = ("[class*='sapo']", ".description", "[class*='lead']", "[class*='summary']", "[class*='excerpt']")
WRAPPER_CHARS = 1000
SECTION_CHARS = 1500  # a label's parent this long (and not link-dense) is the article, not the widget
# A closing credit line: "Theo Báo Lào Cai", "Nguồn: ...", or a name of up to five words.
CREDIT_RE = re.compile(r"^(?:(?:theo|nguồn)\b.{0,80}|(?:pv|ctv|btv)\b.{0,40}|[^\W\d_]+(?:[ .-]+[^\W\d_]+){0,4})$", re.I)


def _text(node: LexborNode) -> str:
    return " ".join(node.text(separator=" ").split())


def _first_text(tree: LexborHTMLParser | LexborNode, selectors: Iterable[str]) -> str | None:
    for css in selectors:
        node = tree.css_first(css)
        if node is not None and (text := _text(node)):
            return text
    return None


def boilerplate_label(text: str) -> bool:
    """Whether a short text is a label that opens a boilerplate block ("Tin liên quan:", "Đọc nhiều nhất")."""
    if len(text) > 80:
        return False
    words = LABEL_NOISE_RE.sub(" ", text.lower()).split()
    if not words or len(words) > 8:
        return False
    if " ".join(words) in STANDALONE:
        return True
    return any(" ".join(words[:n]) in HEADINGS for n in range(max(1, len(words) - 2), len(words) + 1))


def _attached(node: LexborNode) -> bool:
    return node.parent is not None


def _link_density(node: LexborNode) -> tuple[int, float]:
    """How many links a block holds and the share of its text that is link text."""
    text = len(_text(node)) or 1
    links = node.css("a")
    return len(links), sum(len(_text(a)) for a in links) / text


def _holds_prose(node: LexborNode, chars: int = WRAPPER_CHARS) -> bool:
    """A block of prose rather than a widget (a wrapper whose class merely contains a boilerplate
    word, "author-x post"; a section a label stands in): long, few links."""
    return len(_text(node)) > chars and _link_density(node)[1] < 0.5


def _drop_labelled(root: LexborNode) -> None:
    """Blocks opened by a boilerplate label, or the label and the link lists after it."""
    for label in root.css("h1, h2, h3, h4, h5, h6, strong, b, span, p, li, label, legend, header, div"):
        if not _attached(label) or label.tag == "div" and label.css_first("div, p, ul, table"):
            continue  # gone already, or a wrapper rather than a label
        text = _text(label)
        if label.tag in ("p", "li") and LEAD_IN_RE.match(text) and label.css_first("a") is not None:
            label.decompose()  # "Xem thêm: <a>another article</a>"
            continue
        if not boilerplate_label(text):
            continue
        block = label.parent
        if block is None or block.mem_id == root.mem_id or _holds_prose(block, SECTION_CHARS):
            _drop_following(label)
        else:
            block.decompose()


def _drop_following(label: LexborNode) -> None:
    """A label standing among the article's paragraphs: it and the link lists right after it go."""
    node = label.next
    label.decompose()
    while node is not None:
        following = node.next
        if node.is_element_node:
            count, density = _link_density(node)
            if count == 0 or density < 0.6:
                break
            node.decompose()
        node = following


def _drop_link_lists(root: LexborNode) -> None:
    """Lists of headlines: two or more links making up most of a list's, or a short block's, text."""
    for block in root.css("ul, ol, table, div, section, p"):
        if not _attached(block):
            continue
        count, density = _link_density(block)
        if count >= 2 and density >= 0.7 and (block.tag in ("ul", "ol") or len(_text(block)) < 1200):
            block.decompose()


def _emphasised(node: LexborNode) -> bool:
    """Whether all of a block's text is in italics."""
    text, italic = _text(node), node.css_first("em, i")
    return bool(text) and italic is not None and len(_text(italic)) >= len(text)


def _caption_like(node: LexborNode) -> bool:
    style = (node.attributes.get("style") or "").replace(" ", "").lower()
    centred = "text-align:center" in style or (node.attributes.get("align") or "").lower() == "center"
    return 0 < len(_text(node)) <= CAPTION_CHARS and (centred or _emphasised(node))


def _next_element(node: LexborNode) -> LexborNode | None:
    following = node.next
    while following is not None and not following.is_element_node:
        following = following.next
    return following


def _drop_captions(root: LexborNode) -> None:
    """An image and its caption: the figure or image table, or the short centred or italic line after it."""
    for image in root.css("img"):
        if not _attached(image):
            continue
        holder = image.parent
        while holder is not None and holder.tag in ("a", "span", "strong", "em", "b", "i", "center"):
            holder = holder.parent
        if holder is None or holder.mem_id == root.mem_id:
            image.decompose()
            continue
        if holder.tag == "td":  # an image table: the picture in one row, its caption in the next
            table = holder.parent
            while table is not None and table.tag in ("tr", "tbody", "thead"):
                table = table.parent
            if table is not None and table.tag == "table" and len(_text(table)) <= CAPTION_CHARS:
                holder = table
        if len(_text(holder)) > CAPTION_CHARS:  # an image inside a paragraph of text
            image.decompose()
            continue
        caption = _next_element(holder)
        if caption is not None and caption.tag in ("p", "div") and _caption_like(caption):
            caption.decompose()
        holder.decompose()


def clean_block(root: LexborNode, extra: Iterable[str] = (), selectors: Iterable[str] = BOILERPLATE_SELECTORS) -> None:
    """Remove boilerplate inside one container: by class, by label, link lists, images with captions."""
    chosen = (*selectors, *extra)
    by_tag = ", ".join(css for css in chosen if not css.startswith((".", "[", "#")))
    by_class = ", ".join(css for css in chosen if css.startswith((".", "[", "#")))
    for group, guarded in ((by_tag, False), (by_class, True)):
        for node in root.css(group) if group else ():
            if _attached(node) and not (guarded and _holds_prose(node)):
                node.decompose()
    _drop_labelled(root)
    _drop_link_lists(root)
    _drop_captions(root)


def _paragraphs(body: LexborNode) -> list[str]:
    """The body's text, one paragraph per line (block ends and <br> become line breaks)."""
    marked = BLOCK_END_RE.sub(lambda m: m.group(1) + "\n", body.html or "")
    text = LexborHTMLParser(marked).text(separator="")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return [line for line in lines if line]


def clean_lines(lines: list[str]) -> list[str]:
    """Text-level cleanup: a label line and the headline lines under it, counters, a closing credit."""
    kept: list[str] = []
    skipping = False
    for line in lines:
        if LEAD_IN_RE.match(line) and len(line) < 200:  # "Đọc thêm: <headline>"
            continue
        if boilerplate_label(line) or (skipping and len(line) < 160 and not line.endswith((".", ":", ";"))):
            skipping = True
            continue
        skipping = False
        kept.append(line)
    while kept and len(kept[-1]) <= 60 and CREDIT_RE.match(kept[-1]) and not kept[-1].endswith("."):
        kept.pop()
    return kept


def _candidates(tree: LexborHTMLParser, url: str, first: Profile | None) -> list[Profile]:
    detected = recognise(url, lambda css: tree.css_first(css) is not None)
    ordered = [p for p in (first, detected) if p is not None]
    return ordered + [p for p in FAMILIES if p not in ordered]  # a platform only where it is recognised


def _profile_body(tree: LexborHTMLParser, url: str, first: Profile | None) -> tuple[Profile, LexborNode] | None:
    for profile in _candidates(tree, url, first):
        for css in profile.body:
            nodes = [(len(_text(node)), node) for node in tree.css(css)]
            if nodes and (longest := max(nodes, key=lambda pair: pair[0]))[0] >= MIN_BODY_CHARS:
                return profile, longest[1]
    return None


def _profile_date(tree: LexborHTMLParser, profile: Profile) -> date | None:
    """The date in the platform's date element, read by its text shape first (changes nothing)."""
    shown = _first_text(tree, profile.date)
    if not shown:
        return None
    for shape in profile.date_shapes:
        if (m := re.search(shape, shown)) is not None and (shaped := find_dates(m.group(1))):
            return shaped[0][0]
    dates = find_dates(shown)
    return dates[0][0] if dates else None


SITE_SUFFIX_RE = re.compile(r"\s+[-|–—:]\s+(?=[^-|–—]*$)")


def page_title(tree: LexborHTMLParser) -> str | None:
    """The generic title: og:title or <title> without its site-name suffix, matched to an h1 when one agrees."""
    meta = tree.css_first("meta[property='og:title']")
    named = (meta.attributes.get("content") if meta is not None else None) or _first_text(tree, ("title",))
    if named:
        named = SITE_SUFFIX_RE.split(" ".join(named.split()))[0].strip()
    headings = [_text(h) for h in tree.css("h1")]
    for heading in headings:
        if heading and named and (heading in named or named in heading):
            return heading
    return named or next((h for h in headings if h), None)


def _dateline(tree: LexborHTMLParser, title: str | None) -> date | None:
    """A dateline printed just after the title; removes scripts and page chrome from the tree."""
    root = tree.body or tree.root
    if root is None:
        return None
    for node in root.css("script, style, nav, footer, aside, header"):
        if _attached(node) and (node.tag != "header" or node.css_first("h1") is None):
            node.decompose()
    text = nfc(root.text(separator="\n"))
    if title and title in text:
        text = text[text.index(title):]
    return publication_date(text, head_chars=400)


def source_profile(source_id: str, selectors: ArticleSelectors) -> Profile:
    """The profile a source's own `article:` selectors make (tried before the built-in ones)."""
    return Profile(name=f"source:{source_id}", body=selectors.body, title=selectors.title,
                   date=selectors.date, drop=selectors.drop)


def _summary(tree: LexborHTMLParser, profile: Profile) -> str | None:
    """The platform's lead, taken out of the tree so it is not read twice."""
    for css in profile.summary:
        node = tree.css_first(css)
        if node is not None and (text := _text(node)):
            node.decompose()
            return text
    return None


def extract_article(html: str, url: str, feed_date: date | None = None,
                    profile: Profile | None = None) -> ExtractedArticle:
    """Title, publication date and body of one article page; ParseError when no body is found.
    `profile`, when given, is tried before the detected platform and the other built-in profiles."""
    refuse_pathological(html, url)  # too large or nested too deep (of any tag): no parser sees it
    html = readable(html)
    tree = LexborHTMLParser(html)
    try:
        found = _profile_body(tree, url, profile)
    except SelectolaxError as exc:  # a source's own `article:` selector that is not CSS
        raise ParseError(f"{url}: an article selector of {profile.name if profile else 'a profile'} is not valid CSS",
                         url=url, reason="config.bad_selector") from exc
    if found is not None:
        profile, node = found
        title = _first_text(tree, profile.title) or page_title(tree)
        published = feed_date or _profile_date(tree, profile)
        for css in (*profile.title, *profile.date):  # headline and dateline are not body text
            for meta in node.css(css):
                if _attached(meta):
                    meta.decompose()
        lead = _summary(tree, profile)
        clean_block(node, profile.drop)
        lines = clean_lines(_paragraphs(node))
        if lead and (not lines or not lines[0].startswith(lead[:40])):
            lines.insert(0, lead)
        body = nfc("\n".join(lines))[:MAX_BODY_CHARS]
        if len(body) >= MIN_BODY_CHARS:
            published = published or _dateline(tree, title)  # the body is taken: the tree may change now
            return ExtractedArticle(url, nfc(title) if title else None, published, body, profile.name)
        tree = LexborHTMLParser(html)  # the profile's cleanup changed the tree: start afresh
    return _generic(html, url, feed_date, tree)


def _lead(tree: LexborHTMLParser) -> str | None:
    """A newspaper's lead (sapo): the element the page's own description matches, or one named sapo."""
    meta = tree.css_first("meta[property='og:description'], meta[name='description']")
    described = " ".join((meta.attributes.get("content") or "").split())[:60] if meta is not None else ""
    for css in LEAD_SELECTORS:
        for node in tree.css(css):
            text = _text(node)
            if len(text) >= 40 and (text.startswith(described) if described else "sapo" in css):
                return text
    return None


def _generic(html: str, url: str, feed_date: date | None, tree: LexborHTMLParser) -> ExtractedArticle:
    """Unknown layouts: boilerplate dropped from the page, then trafilatura, with our Vietnamese date
    rules before its own date guess and our line cleanup after it."""
    title = page_title(tree)
    lead = _lead(tree)
    published = feed_date or _dateline(tree, title)  # reads the page before its cleanup
    root = tree.body
    if root is not None:
        clean_block(root, selectors=GENERIC_DROP)
    markup = (tree.html or html)[:MAX_GENERIC_MARKUP]
    import trafilatura  # on first use: a process that only fetches never loads it (nor lxml, dateparser)

    raw = trafilatura.extract(markup, url=url or None, output_format="json", with_metadata=True,
                              include_comments=False)
    data = json.loads(raw) if raw else {}
    title = nfc(data.get("title") or title or "") or None
    lines = clean_lines([" ".join(line.split()) for line in (data.get("text") or "").splitlines() if line.strip()])
    if lines and title and lines[0] == title:
        lines.pop(0)  # the headline, when it sits inside the article element
    if lines and lead and not any(lead[:60] in line for line in lines[:3]):
        lines.insert(0, lead)
    body = nfc("\n".join(lines))[:MAX_BODY_CHARS]
    if len(body) < MIN_BODY_CHARS:
        raise ParseError(f"{url}: no article body found ({len(body)} characters)", url=url, reason="parse.no_body")
    if published is None and data.get("date") and DATE_META_RE.search(html):
        published = date.fromisoformat(data["date"][:10])
    return ExtractedArticle(url=url, title=title, published=published, text=body, extractor="trafilatura")


def markup_text(fragment: str) -> str:
    """The visible text of a fragment of HTML (a feed's HTML-typed title): entities read, scripts and
    styles dropped, white space folded."""
    tree = LexborHTMLParser(fragment)
    for node in tree.css("script, style"):
        node.decompose()
    return " ".join((tree.body.text(separator=" ") if tree.body else "").split())


def page_text(html: str, url: str) -> str:
    """The article's title and body when one is found, else all visible text of the page."""
    try:
        article = extract_article(html, url)
    except ParseError:
        tree = LexborHTMLParser(html)
        return nfc(tree.body.text(separator="\n") if tree.body else "")
    return f"{article.title}\n\n{article.text}" if article.title else article.text
