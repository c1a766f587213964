"""Article extraction on our own pages in each platform's structure, and the `extract` command."""

from __future__ import annotations

from pathlib import Path

import pytest

from cchc_monitor.errors import ParseError
from scrapers.article import extract_article
from tests.helpers import PAGES

BOILERPLATE = ["Có thể bạn quan tâm", "Thống kê truy cập", "Tổng lượt truy cập", "Cỡ chữ", "Chia sẻ",
               "Tin cùng chuyên mục", "Các tin khác", "Trang chủ", "Số lượt truy cập", "Đang truy cập"]


@pytest.mark.parametrize("page, profile, title, published, with_text", [
    ("liferay.html", "liferay", "Sở Nội vụ tổ chức tập huấn công tác cải cách hành chính năm 2026", "2026-01-16",
     ["Sáng ngày 15/01/2026, Sở Nội vụ", "còn 312 hồ sơ trễ hạn"]),
    ("nukeviet.html", "nukeviet", "UBND xã ban hành Kế hoạch cải cách hành chính năm 2026", "2026-01-19",
     ["Kế hoạch số 05/KH-UBND", "định kỳ hằng quý"]),
    ("sharepoint.html", "sharepoint", "Công bố Chỉ số hài lòng của người dân năm 2025", "2026-01-20",
     ["Chỉ số SIPAS của tỉnh năm 2025 đạt 86,4%", "trong năm 2026"]),
])
def test_each_profile_finds_title_date_and_a_clean_body(
    page: str, profile: str, title: str, published: str, with_text: list[str]
) -> None:
    article = extract_article((PAGES / page).read_text(encoding="utf-8"), f"https://x.gov.vn/{page}")
    assert (article.extractor, article.title, str(article.published)) == (profile, title, published)
    for phrase in with_text:
        assert phrase in article.text
    for phrase in BOILERPLATE:
        assert phrase not in article.text
    assert len(article.text.splitlines()) == 3  # one line per paragraph


def test_an_unknown_layout_falls_back_to_trafilatura() -> None:
    html = ("<html><head><title>Tin</title></head><body><nav><a href='/'>Trang chủ</a></nav><article>"
            "<h1>UBND tỉnh họp về cải cách hành chính</h1>"
            + "<p>Chiều 12/3, UBND tỉnh họp bàn giải pháp nâng cao Chỉ số cải cách hành chính năm 2026 của tỉnh.</p>" * 4
            + "</article></body></html>")
    article = extract_article(html, "https://x.vn/a")
    assert article.extractor == "trafilatura" and "giải pháp nâng cao" in article.text


def test_a_source_can_name_its_own_article_layout(tmp_path: Path) -> None:
    """A platform no built-in profile knows (a captured VNPT or Viettel page, say) is onboarded with
    selectors in sources.yaml; they win over trafilatura's guess and drop what the operator lists."""
    from scrapers.article import source_profile
    from scrapers.sources import load_sources
    from tests.helpers import write_sources

    sources = write_sources(tmp_path / "s.yaml", [{
        "id": "portal", "name": "Cổng", "kind": "rss", "url": "https://x.gov.vn/rss",
        "article": {"body": "div.noi-dung", "title": ".tieu-de", "date": ".ngay", "drop": [".ghi-chu"]}}])
    (spec,) = load_sources(sources, default_max_items=30)
    paragraph = "<p>Sở Nội vụ rà soát thủ tục hành chính, cắt giảm thời gian giải quyết hồ sơ cho người dân.</p>"
    html = ("<html><body><div class='tieu-de'>Rà soát thủ tục hành chính</div><div class='ngay'>Ngày 03/02/2026</div>"
            f"<div class='noi-dung'>{paragraph * 3}<div class='ghi-chu'>Lượt xem: 120</div></div>"
            f"<div class='khac'>{'<p>Tin khác về thể thao và du lịch của tỉnh trong tuần qua.</p>' * 6}</div>"
            "</body></html>")
    article = extract_article(html, "https://x.gov.vn/a", profile=source_profile(spec.id, spec.article))
    assert (article.extractor, article.title, str(article.published)) == ("source:portal", "Rà soát thủ tục hành chính",
                                                                          "2026-02-03")
    assert "cắt giảm thời gian" in article.text and "Lượt xem" not in article.text and "thể thao" not in article.text
    bad = write_sources(tmp_path / "bad.yaml", [{"id": "p", "name": "P", "kind": "rss", "url": "https://x.gov.vn/rss",
                                                "article": {"title": "h1"}}])
    with pytest.raises(Exception, match="article.body"):
        load_sources(bad, default_max_items=30)


def test_a_page_without_a_body_is_a_parse_error() -> None:
    with pytest.raises(ParseError) as info:
        extract_article("<html><body><nav><a href='/'>Trang chủ</a></nav></body></html>", "https://x.vn/a")
    assert info.value.reason == "parse.no_body"


def test_deeply_nested_html_is_refused_quickly_instead_of_crashing() -> None:
    html = "<html><body>" + "<div>" * 100_000 + "<p>Cải cách hành chính" * 50 + "</body></html>"
    with pytest.raises(ParseError) as info:
        extract_article(html, "https://x.vn/a")
    assert info.value.reason == "parse.malformed_html"


def test_unclosed_paragraphs_and_tables_still_extract() -> None:
    html = ("<html><body><div id='news-bodyhtml' class='bodytext'>"
            + "<p>Ủy ban nhân dân xã triển khai kế hoạch cải cách hành chính năm 2026 trên địa bàn" * 5
            + "<table><tr><td>bảng không đóng</body></html>")
    assert "cải cách hành chính" in extract_article(html, "https://x.vn/a").text


def test_listing_links_come_from_the_platform_container_not_the_menus() -> None:
    from scrapers.listing import parse_listing

    html = """<html><body><ul class="menu-top"><li><a href="/Pages/home.aspx">Trang chủ</a></li></ul>
    <div class="news-item"><h3 class="title-news"><a href="/tin/Pages/a.aspx?ItemID=1">Tin A</a></h3></div>
    <div class="news-item"><h3 class="title-news"><a href="/tin/Pages/a.aspx?ItemID=2">Tin B</a></h3></div>
    <div class="news-item"><h3 class="title-news"><a href="https://other.vn/x">Tin ngoài</a></h3></div></body></html>"""
    items = parse_listing(html, "https://portal.gov.vn/tin/Pages/default.aspx")
    assert [i.url for i in items] == ["https://portal.gov.vn/tin/Pages/a.aspx?ItemID=1",
                                      "https://portal.gov.vn/tin/Pages/a.aspx?ItemID=2"]
