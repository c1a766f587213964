"""Parsers read only bytes we fetched, and every parser input is bounded in size and nesting, whatever the tag."""

from __future__ import annotations

from pathlib import Path

import pytest

from cchc_monitor.errors import ParseError
from cchc_monitor.models import SourceSpec
from scrapers.crawl import fetch_article
from scrapers.feed import parse_feed
from scrapers.fetch import Fetcher
from scrapers.listing import next_page_url, parse_listing
from scrapers.markup import MAX_DEPTH, MAX_MARKUP_CHARS, nesting_depth, refuse_pathological
from scrapers.politeness import Gates
from scrapers.sitemap import parse_sitemap
from tests.helpers import policy
from tests.scrapers.servers import FakeClock, raw_server, routes

RSS = ("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Tin</title>"
       "<item><title>Bí mật</title><link>http://secret.vn/a</link></item></channel></rss>")


def reason_of(call: object) -> str:
    with pytest.raises(ParseError) as info:
        call()  # type: ignore[operator]
    return info.value.reason


# feedparser never opens what it is given ------------------------------------------------------------------

def test_a_feed_body_that_names_a_local_file_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "feed.xml"
    secret.write_text(RSS, encoding="utf-8")
    for body in (str(secret), f"file://{secret}", " " + str(secret)):
        with pytest.raises(ParseError, match="not an RSS"):
            parse_feed(body, "http://x.vn/rss")


@pytest.mark.parametrize("body", ["/etc/passwd", "/dev/zero", "/proc/self/environ", "file:///etc/passwd"])
def test_system_paths_as_a_feed_body_are_text_not_files(body: str) -> None:
    assert reason_of(lambda: parse_feed(body, "http://x.vn/rss")) == "parse.not_a_feed"


def test_a_feed_body_that_is_a_url_is_not_fetched() -> None:
    with raw_server(routes({"/rss": ("200 OK", {}, RSS.encode())})) as (base, seen):
        assert reason_of(lambda: parse_feed(base + "/rss", "http://x.vn/rss")) == "parse.not_a_feed"
    assert seen == []


def test_a_feed_s_relative_links_resolve_against_the_feed_and_its_declaration_does_not_redecode() -> None:
    feed = ("<?xml version='1.0' encoding='iso-8859-1'?><rss version='2.0'><channel><title>T</title>"
            "<item><title>Cải cách hành chính</title><link>/tin/1</link></item></channel></rss>")
    [item] = parse_feed(feed, "http://x.vn/rss/tin.xml")
    assert (item.url, item.title) == ("http://x.vn/tin/1", "Cải cách hành chính")


@pytest.mark.filterwarnings("ignore::bs4.MarkupResemblesLocatorWarning")
def test_listing_and_sitemap_take_a_path_as_text_too(tmp_path: Path) -> None:
    page = tmp_path / "listing.html"
    page.write_text("<html><body><h3><a href='/tin/1'>Tin</a></h3></body></html>", encoding="utf-8")
    assert reason_of(lambda: parse_listing(str(page), "http://x.vn/")) == "parse.layout_changed"
    assert reason_of(lambda: parse_sitemap(str(page), "http://x.vn/s.xml")) == "parse.not_a_sitemap"


# a selector that is not CSS fails its source ----------------------------------------------------------------

@pytest.mark.parametrize("selector", ["a[", "::nope", "div >", "a:has(", "[href=']"])
def test_a_link_selector_that_is_not_css_is_a_parse_error_with_a_reason(selector: str) -> None:
    html = "<html><body><h3><a href='/tin/1'>Tin</a></h3></body></html>"
    assert reason_of(lambda: parse_listing(html, "http://x.vn/", selector)) == "config.bad_selector"


# sitemaps: one linear pass -------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    "<urlset>" + "<url>" * 200_000 + "</urlset>",
    "<urlset>" + "<url><loc>" * 100_000,
    "<urlset><url>" + "<loc>http://x.vn/a" * 100_000 + "</url></urlset>",
    "<sitemapindex>" + "<sitemap>" * 200_000,
])
def test_a_sitemap_of_unclosed_blocks_is_refused_in_one_pass(body: str) -> None:
    assert reason_of(lambda: parse_sitemap(body, "http://x.vn/s.xml")) == "parse.not_a_sitemap"


def test_a_sitemap_reads_closed_blocks_among_broken_ones_and_odd_spellings() -> None:
    body = ("<urlset><url><loc>http://x.vn/a</loc><lastmod>2026-11-02</lastmod></url><url><loc>http://x.vn/broken"
            "<URL><LOC> http://x.vn/b?x=1&amp;y=2 </LOC><lastmod>9999-99-99</lastmod></URL>"
            "<sm:url><sm:loc>/c</sm:loc></sm:url><url>")
    items, _ = parse_sitemap(body, "http://x.vn/s.xml")
    assert [i.url for i in items] == ["http://x.vn/a", "http://x.vn/b?x=1&y=2", "http://x.vn/c"]
    assert items[1].published is None


def test_a_sitemap_larger_than_any_fetch_is_refused() -> None:
    body = "<urlset>" + " " * MAX_MARKUP_CHARS + "</urlset>"
    assert reason_of(lambda: parse_sitemap(body, "http://x.vn/s.xml")) == "parse.too_large"


# nesting of any tag ---------------------------------------------------------------------------------------

DEEP = [f"<{tag}>" * 100_000 for tag in ("font", "b", "em", "x-custom", "span", "a", "center", "blockquote")]


@pytest.mark.parametrize("html", DEEP + ["<font></b>" * 100_000, "<div>" * 50_000 + "</i>" * 50_000])
def test_deep_nesting_of_any_tag_is_refused_before_parsing(html: str) -> None:
    page = f"<html><body>{html}</body></html>"
    assert reason_of(lambda: parse_listing(page, "http://x.vn/")) == "parse.malformed_html"
    assert reason_of(lambda: next_page_url(page, "http://x.vn/")) == "parse.malformed_html"


def test_an_html_typed_feed_title_is_read_as_its_text_and_a_plain_one_as_written() -> None:
    atom = ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
            '<entry><title type="html">&lt;b&gt;Kế hoạch&lt;/b&gt; số 12 &amp;amp; &lt;script&gt;steal()'
            '&lt;/script&gt;CCHC</title><link href="https://a.gov.vn/1"/></entry>'
            '<entry><title>Hồ sơ &lt; 10 ngày</title><link href="https://a.gov.vn/2"/></entry></feed>')
    assert [i.title for i in parse_feed(atom, "https://a.gov.vn/feed")] == ["Kế hoạch số 12 & CCHC",
                                                                           "Hồ sơ < 10 ngày"]


def test_deep_nesting_in_a_feed_is_refused() -> None:
    feed = "<rss version='2.0'><channel><item>" + "<x>" * 100_000 + "</item></channel></rss>"
    assert reason_of(lambda: parse_feed(feed, "http://x.vn/rss")) == "parse.malformed_html"


def test_an_article_page_nested_deep_in_any_tag_fails_alone() -> None:
    page = ("<html><body>" + "<font>" * 100_000 + "Nội dung</body></html>").encode()
    table = {"/robots.txt": ("404 Not Found", {}, b""), "/a": ("200 OK", {"Content-Type": "text/html"}, page)}
    with raw_server(routes(table)) as (base, _):
        with Fetcher(policy(host_delay=0.0), gates=Gates(FakeClock(), 0.0)) as f:
            spec = SourceSpec(id="x", name="X", kind="listing", url=base + "/")
            from cchc_monitor.models import ItemRef
            assert reason_of(lambda: fetch_article(f, ItemRef(base + "/a"), spec)) == "parse.malformed_html"


@pytest.mark.parametrize("html, deepest", [
    ("<p>a<p>b<p>c" * 5000, 0),                                  # unclosed paragraphs are siblings
    ("<ul>" + "<li>x" * 5000 + "</ul>", 1),
    ("<br><img src=x><hr><input>" * 5000, 0),                    # void elements
    ("<div><b>x</b></div>" * 5000, 2),
    ("<!--" + "<div>" * 5000 + "-->", 0),                        # comments are no markup
    ("<script>" + "if (a<b) {}" * 5000 + "</script>", 1),        # nor scripts
    ("<div/>" * 5000, 0),
])
def test_ordinary_markup_is_not_taken_for_deep_nesting(html: str, deepest: int) -> None:
    assert nesting_depth(html) == deepest


def test_feeds_count_every_element_but_not_cdata_or_self_closed_ones() -> None:
    item = "<item><title>T</title><enclosure url='x'/><description><![CDATA[<p>a<br>b<p>c]]></description></item>"
    feed = "<rss><channel>" + item * 3000 + "</channel></rss>"
    assert nesting_depth(feed, xml=True) == 4  # rss > channel > item > title
    refuse_pathological(feed, "http://x.vn/rss", xml=True)


def test_the_depth_guard_stops_at_its_limit() -> None:
    assert nesting_depth("<x>" * 100_000) == MAX_DEPTH
