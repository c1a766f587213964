"""CMS profiles of Vietnamese government portals: where the title, date and body are, what to drop.

Data, not code: each profile names the containers its platform renders. Structures were checked
against public templates and crawler configurations (NukeViet's `news-bodyhtml`, Liferay's
`journal-content-article`), and every profile has a test page of our own in tests/pages/.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """Where one platform puts an article's parts (CSS selectors, tried in order)."""

    name: str
    body: tuple[str, ...]
    title: tuple[str, ...]
    date: tuple[str, ...]
    links: str  # article links on a listing page
    drop: tuple[str, ...] = ()  # platform widgets inside the body container


PROFILES: tuple[Profile, ...] = (
    Profile(
        name="liferay",  # Liferay portals: web content display / asset publisher
        body=("div.journal-content-article", ".asset-full-content .asset-content", ".asset-full-content"),
        title=("h3.header-title", "h1.header-title", ".asset-title", "h2.title"),
        date=(".publish-date", ".metadata-publish-date", ".date", ".time-publish"),
        links=".asset-title a, .news-list a.title, h3.title a, .title-asset a",
        drop=(".taglib-social-bookmarks", ".asset-links", ".asset-ratings"),
    ),
    Profile(
        name="nukeviet",  # NukeViet CMS news module
        body=("div#news-bodyhtml", "div.bodytext"),
        title=("h1.title", ".news_detail h1", "h1"),
        date=(".h5 .time", "span.h5", ".time", "time"),
        links=".viewcat_list h3 a, .news_column h3 a, .list-news h3 a, .news-list h3 a",
        drop=(".news_column .panel-footer",),
    ),
    Profile(
        name="sharepoint",  # SharePoint publishing sites (/Pages/*.aspx)
        body=("div.ms-rtestate-field", "div[id$='RichHtmlField']", ".content-news"),
        title=(".ms-rteElement-H1", "h1.title-news", ".title-news", "h1"),
        date=(".date-news", ".ms-rteElement-P.date", ".date"),
        links=".title-news a, .news-item a.title, .ms-vb a",
    ),
)

# Blocks every platform puts around or inside articles: sharing, font size, print, counters,
# related and same-section news (by class) and the headings that open such blocks (by text).
BOILERPLATE_SELECTORS = (
    "script", "style", "noscript", "iframe", "form", "nav", "aside", "footer",
    ".share", ".share-bar", ".social", ".font-size", ".print", ".related", ".other-news",
    ".tin-lien-quan", ".counter", ".comment", ".comments", ".tags", ".breadcrumb",
)
BOILERPLATE_HEADINGS = (
    "có thể bạn quan tâm",  # you may be interested in
    "tin cùng chuyên mục",  # more from this section
    "tin liên quan",        # related news
    "tin khác",             # other news
    "các tin khác",
    "bài viết liên quan",   # related articles
    "thống kê truy cập",    # visitor statistics
    "số lượt truy cập",     # number of visits
    "đang truy cập",        # online now
    "cỡ chữ",               # font size
    "chia sẻ",              # share
    "in bài viết",          # print
)
