"""Sitemaps: the newest URLs of a urlset, and the child sitemaps of an index."""

from __future__ import annotations

from scrapers.sitemap import parse_sitemap


def test_sitemaps_give_the_newest_urls_and_their_children() -> None:
    urlset = """<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
    <url><loc>https://x.gov.vn/a?x=1&amp;y=2</loc><lastmod>2026-01-02</lastmod></url>
    <url><loc>https://x.gov.vn/b</loc><lastmod>2026-01-09T08:00:00+07:00</lastmod></url></urlset>"""
    items, children = parse_sitemap(urlset, "https://x.gov.vn/sitemap.xml")
    assert [i.url for i in items] == ["https://x.gov.vn/b", "https://x.gov.vn/a?x=1&y=2"] and children == []
    index = "<sitemapindex><sitemap><loc>https://x.gov.vn/s1.xml</loc></sitemap></sitemapindex>"
    assert parse_sitemap(index, "https://x.gov.vn/sitemap.xml") == ([], ["https://x.gov.vn/s1.xml"])
