"""CMS profiles of Vietnamese government portals: how each platform is recognised, where its parts are.

Data, and the one rule that recognises a platform from it (used by the article and listing parsers).
The platform profiles follow ../shared/guide/cms-evidence.md fact by fact (vendor
templates and third-party crawler configurations); a profile is recognised only by what that
evidence shows (URL shapes, class names, portlet ids). Where a fact is missing, the field is left
empty and extraction falls back, for that field alone, to the generic path (h1 / og:title / <title>
for titles, Vietnamese date rules for dates, the generic next-page rules for pagination).
Every profile has test pages of our own in tests/pages/.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# A date written d/m/yyyy (the group every date shape below captures).
DMY = r"(\d{1,2}/\d{1,2}/\d{4})"


@dataclass(frozen=True)
class Profile:
    """Where one platform puts an article's parts (CSS selectors, tried in order) and how it is recognised."""

    name: str
    body: tuple[str, ...]
    title: tuple[str, ...] = ()        # empty: the generic title (h1, og:title, <title>)
    date: tuple[str, ...] = ()         # empty: the generic dateline rules
    links: str = ""                    # article links on a listing page
    summary: tuple[str, ...] = ()      # the lead (sapo), put first in the body when it sits outside it
    drop: tuple[str, ...] = ()         # platform widgets inside the body container
    date_shapes: tuple[str, ...] = ()  # regexes of the date element's text, group 1 a d/m/yyyy date
    page_param: str = ""               # regex of the listing's page-number query parameter
    next_page: tuple[str, ...] = ()    # CSS of the listing's next-page link
    markers: tuple[str, ...] = ()      # CSS whose presence identifies the platform
    url_patterns: tuple[str, ...] = ()  # regexes on the page address that identify the platform


VIETTEL = Profile(
    # Viettel Portal (Liferay 6.2, com.viettel.portal.*), moh.gov.vn: asset-publisher and VCMS views.
    name="viettel",
    body=("div.journal-content-article", "div.contentDetail.text-change-size.mt15"),
    title=("div.contentDetail h3.text-change-size", "h3.text-change-size.story", "h3.text-change-size"),
    date=("p.time-post",),
    # "18/07/2025 | 08:43 AM" (asset publisher; the marker sits on a 24-hour value) or "08:43 18/07/2025" (VCMS).
    date_shapes=(DMY + r"\s*\|\s*\d{1,2}:\d{2}", r"\d{1,2}:\d{2}\s+" + DMY),
    summary=("p.sapo", "div.sapo-wrapper"),
    drop=("p.view-content-author", "div.author", "div.Relatednew", "div.tinlienquan", "div.newsDifferent",
          ".taglib-social-bookmarks", "div.asset-ratings", "div.asset-flag", "div.asset-metadata",
          "div.clearfix.pb5", "div.hidden-print", "h2.other-news-title", "ul.othernews",
          "div.avatartopdesc", "td.avatardesc", "h6.sub-title-content"),
    links="div.itemm h3.asset-title a, div.article-abstract h2.title-new a",
    page_param=r"_cur$",  # _101_INSTANCE_<id>_cur=<n>
    next_page=("ul.lfr-pagination-buttons li.active + li a",),
    markers=("div.contentDetail .text-change-size", "p.time-post.text-change-size", "div.itemm h3.asset-title"),
    url_patterns=(r"/-/2018/\d+/[^/?#]+\.aspx",),  # the VCMS publisher's friendly URL
)

VNPT_VNPORTAL = Profile(
    # VNPT vnPortal (.NET): laocai, caobang, ninhbinh, sonla, namdinh, binhthuan .gov.vn.
    # Title element: not in the evidence, so the generic title. Date text shape: not in the evidence,
    # so the generic date rules read div.PostDate. Pagination and boilerplate: not in the evidence.
    name="vnpt-vnportal",
    body=("div.ArticleContent",),
    date=("div.PostDate", ".PostDate"),
    summary=("div.ArticleSummary",),
    links="ul.ArticleList li a",
    markers=("div.ArticleContent", "div.PostDate", "ul.ArticleList", "img[src*='/SiteFolders/']",
             "img[src*='/sitefolders/']", "img[src*='storage-vnportal.vnpt.vn']"),
    url_patterns=(r"[Dd]efault\.aspx\?(?:[^#]*&)?sname=", r"/[Ss]ite[Ff]olders/"),
)

VNPT_EPORTAL = Profile(
    # VNPT ePortal (Liferay portlets vnpteportal*), cmsc.gov.vn: the article sits in #testabc,
    # first div (title, date), a strong lead, then the second div (author, body).
    name="vnpt-eportal",
    body=("#testabc > div:nth-of-type(2) > div", "#testabc > div:nth-of-type(2)"),
    title=("#testabc > div:nth-of-type(1) > h1", "#testabc h1"),
    date=("#testabc > div:nth-of-type(1) > p",),
    summary=("#testabc > p > strong", "#testabc > p"),
    drop=("#testabc > div:nth-of-type(2) > p",),  # the author line beside the body
    links="[id^='p_p_id_dsnews_WAR_vnpteportalnewsportlet'] h2 a",
    page_param=r"_cur$",
    next_page=("[id$='SearchContainerPageIterator'] li.active + li a",),
    markers=("[id*='_WAR_vnpteportal']", "#testabc"),
)

TANDAN = Profile(
    # Tân Dân SharePoint portals (tandan-/td- classes), dienbien.gov.vn.
    name="tandan",
    body=(".tandan-p-article-main", ".ms-rtestate-field"),
    title=(".tandan-p-article-news-title",),
    date=(".tandan-span-date-publish",),
    date_shapes=(r"Đăng ngày\s*:?\s*(?:\d{1,2}:\d{2}\s*)?" + DMY,),  # "Đăng ngày 12/03/2026 ..." (posted on)
    summary=(".tandan-p-article-news-summary",),
    drop=(".tandan-div-article-other", ".social-share", ".td-tags", "#ctl00_PlaceHolderMain_ctl08_label"),
    links=".channel-news-title a, .tandan-p-article-news-title a",
    page_param=r"^PageIndex$",
    markers=("[class*='tandan-']", ".channel-news-title"),
)

BKAV = Profile(
    # BKAV portal-egov (Liferay 6.1, com.bkav.portal*). The detail view computes its date but does not
    # print it, so the date falls back to the generic rules; pagination is not in the evidence.
    name="bkav",
    body=("div.asset-full-content > div.asset-content", "div.asset-content"),
    title=("div.asset_title span", "div.asset_title"),
    summary=("div.asset-abstract .assetdesc-text",),
    links="div.top-asset div.asset-title a, div.older-asset span.asset-title a",
    markers=("div.asset_publisher_view_full_content", "div.article-publisher-display-style-1"),
    url_patterns=(r"/view_content/[^/]+/\d+/",),
)

VIETSOFTWARE = Profile(
    # VietSoftware vportal (Liferay 6.1, the MIC open-source portal): title p.title01, date span.time,
    # lead b.hot-line, then the content; other news b.news-other + p.org2. No host is tied to it.
    name="vietsoftware",
    body=("table.chanel-news td.content", "table.chanel-news td", "table.chanel-news"),
    title=("table.chanel-news p.title01", "p.title01"),
    date=("table.chanel-news span.time",),
    summary=("b.hot-line",),
    drop=("b.news-other", "p.org2"),
    links="p.org2 a",
    markers=("table.chanel-news", "p.title01", "b.hot-line"),
)

LIFERAY = Profile(
    name="liferay",  # other Liferay portals: web content display / asset publisher
    body=("div.journal-content-article", ".asset-full-content .asset-content", ".asset-full-content"),
    title=("h3.header-title", "h1.header-title", ".asset-title", "h2.title"),
    date=(".publish-date", ".metadata-publish-date", ".date", ".time-publish"),
    links=".asset-title a, .news-list a.title, h3.title a, .title-asset a",
    drop=(".taglib-social-bookmarks", ".asset-links", ".asset-ratings"),
    page_param=r"_cur$",
    next_page=("ul.lfr-pagination-buttons li.active + li a",),
)

NUKEVIET = Profile(
    name="nukeviet",  # NukeViet CMS news module
    body=("div#news-bodyhtml", "div.bodytext"),
    title=("h1.title", ".news_detail h1", "h1"),
    date=(".h5 .time", "span.h5", ".time", "time"),
    links=".viewcat_list h3 a, .news_column h3 a, .list-news h3 a, .news-list h3 a",
    drop=(".news_column .panel-footer",),
)

SHAREPOINT = Profile(
    name="sharepoint",  # other SharePoint publishing sites (/Pages/*.aspx)
    body=("div.ms-rtestate-field", "div[id$='RichHtmlField']", ".content-news"),
    title=(".ms-rteElement-H1", "h1.title-news", ".title-news", "h1"),
    date=(".date-news", ".ms-rteElement-P.date", ".date"),
    links=".title-news a, .news-item a.title, .ms-vb a",
)

# Platforms recognised by markers first (most specific first), then the generic CMS families,
# which are recognised by their body container alone.
PLATFORMS: tuple[Profile, ...] = (VIETTEL, VNPT_EPORTAL, VNPT_VNPORTAL, TANDAN, BKAV, VIETSOFTWARE)
FAMILIES: tuple[Profile, ...] = (LIFERAY, NUKEVIET, SHAREPOINT)
PROFILES: tuple[Profile, ...] = (*PLATFORMS, *FAMILIES)
BY_NAME = {profile.name: profile for profile in PROFILES}


def profile_named(name: str | None) -> Profile | None:
    """The built-in profile a source's `cms:` names (None when it names none)."""
    return BY_NAME.get(name) if name else None


def recognise(url: str, has: Callable[[str], bool]) -> Profile | None:
    """The platform a page's address or markup identifies (cms-evidence facts only), if any;
    `has(css)` tells whether the page holds an element matching a selector."""
    for profile in PLATFORMS:
        if any(re.search(pattern, url) for pattern in profile.url_patterns) or (
                profile.markers and has(", ".join(profile.markers))):
            return profile
    return None

# Blocks every platform and paper puts around or inside articles: sharing, font size, print,
# counters, related and same-section news, comment forms, tags, captions (by class).
BOILERPLATE_SELECTORS = (
    "script", "style", "noscript", "iframe", "form", "nav", "aside", "footer", "textarea", "button",
    "select", "figcaption",
    ".share", ".share-bar", ".social", ".font-size", ".print", ".related", ".other-news",
    ".tin-lien-quan", ".counter", ".comment", ".comments", ".tags", ".breadcrumb",
    "[class*='share']", "[class*='social']", "[class*='comment']", "[class*='related']",
    "[class*='relate-']", "[class*='caption']", "[class*='tag-list']", "[class*='tags-']",
    "[class*='author']", "[class*='byline']",
)
# Labels that open such blocks (headings, bold lines, a paragraph's first words), lower case: the
# block they head is dropped. A label may be followed by a count, a colon or up to two more words
# ("Đọc nhiều nhất", "Viết bình luận mới"); the short ones must stand alone ("Chia sẻ:"), since
# their words also occur in ordinary sentences ("chia sẻ kinh nghiệm", share experience).
BOILERPLATE_HEADINGS = (
    "có thể bạn quan tâm",  # you may be interested in
    "tin cùng chuyên mục",  # more from this section
    "bài cùng chuyên mục",
    "tin liên quan",        # related news
    "bài liên quan",        # related articles
    "bài viết liên quan",
    "tin bài liên quan",
    "các tin khác",         # other news
    "tin khác",
    "tin mới nhất",         # latest news
    "tin mới",
    "tin đã đưa",           # news already published
    "tin nổi bật",          # featured news
    "đọc nhiều",            # most read
    "xem nhiều",            # most viewed
    "tin xem nhiều",
    "tin đọc nhiều",
    "xem thêm",             # see more
    "đọc thêm",             # read more
    "ý kiến bạn đọc",       # readers' opinions
    "viết bình luận",       # write a comment
    "gửi bình luận",        # send a comment
    "gửi ý kiến",           # send an opinion
    "ý kiến của bạn",       # your opinion
    "thống kê truy cập",    # visitor statistics
    "số lượt truy cập",     # number of visits
    "tổng lượt truy cập",   # total visits
    "đang truy cập",        # online now
    "chia sẻ bài viết",     # share this article
    "in bài viết",          # print
)
# Words that put a link to another article into the text: "Xem thêm: <headline>" (see also).
LEAD_INS = (
    "xem thêm",   # see more
    "đọc thêm",   # read more
    "xem tiếp",   # read on
    "tin liên quan",  # related news
    "bài liên quan",  # related article
    "mời xem",    # please watch
)
STANDALONE_LABELS = (
    "chia sẻ",   # share
    "bình luận",  # comments
    "từ khóa",   # keywords (tags)
    "từ khoá",
    "tags",
    "lượt xem",  # views
    "cỡ chữ",    # font size
    "in bài",    # print
    "bản in",    # printable version
    "đang online",  # online now
    "lên đầu trang",  # back to top
    "quay lại",  # back
)
