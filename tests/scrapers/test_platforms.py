"""Platform profiles and the generic path on pages of our own in each platform's and paper's structure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.extraction import leaked_lines
from scrapers.article import boilerplate_label, clean_lines, extract_article
from scrapers.listing import next_page_url, parse_listing
from tests.helpers import PAGES

PLATFORM_PAGES = PAGES / "platforms"
NEWS_PAGES = PAGES / "news"
HOLDOUT_PAGES = PAGES / "news-holdout"  # written by a second author who had not seen the extractor
def _expected(folder: Path) -> dict[str, dict[str, str]]:
    return json.loads((folder / "expected.json").read_text(encoding="utf-8"))


def _articles(folder: Path) -> list[tuple[str, dict[str, str]]]:
    return [(name, want) for name, want in _expected(folder).items() if "body" in want]


def _listings() -> list[tuple[str, dict[str, str]]]:
    return [(name, want) for name, want in _expected(PLATFORM_PAGES).items() if "links" in want]


@pytest.mark.parametrize("name, want", _articles(PLATFORM_PAGES), ids=lambda v: v if isinstance(v, str) else "")
def test_each_platform_profile_reads_its_article_pages(name: str, want: dict[str, str]) -> None:
    article = extract_article((PLATFORM_PAGES / name).read_text(encoding="utf-8"), want["url"])
    assert article.extractor == want["platform"]
    assert (article.title, str(article.published)) == (want["title"], want["published"])
    assert article.text == want["body"]  # the lead first, one line per paragraph, no caption, byline or widget
    assert not leaked_lines(article.text)


@pytest.mark.parametrize("folder, name, want", [(folder, name, want) for folder in (NEWS_PAGES, HOLDOUT_PAGES)
                                               for name, want in _articles(folder)],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_newspaper_pages_reach_the_body_without_related_lists_forms_or_credits(
        folder: Path, name: str, want: dict[str, str]) -> None:
    article = extract_article((folder / name).read_text(encoding="utf-8"), want["url"])
    assert (article.extractor, article.title, str(article.published)) == ("trafilatura", want["title"],
                                                                          want["published"])
    assert article.text == want["body"]
    assert not leaked_lines(article.text)


@pytest.mark.parametrize("name, want", _listings(), ids=lambda v: v if isinstance(v, str) else "")
def test_each_platform_listing_gives_its_items_and_next_page(name: str, want: dict[str, str]) -> None:
    html = (PLATFORM_PAGES / name).read_text(encoding="utf-8")
    items = parse_listing(html, want["url"])
    assert [item.url for item in items] == want["links"]  # menus and sidebars are not items
    assert all(item.title for item in items)  # the headline's text, not the picture link's emptiness
    assert next_page_url(html, want["url"]) == want["next_page"]


def test_a_named_cms_wins_over_the_default_selectors() -> None:
    html = ("<html><body><h3><a href='/menu/a'>Menu A</a></h3><h3><a href='/menu/b'>Menu B</a></h3>"
            "<ul class='ArticleList'><li><a href='/tin/x-1.html'>Tin X</a></li><li><a href='/tin/y-2.html'>Tin Y</a></li>"
            "</ul></body></html>")
    named = parse_listing(html, "https://tinh.gov.vn/Default.aspx", cms="vnpt-vnportal")
    assert [i.title for i in named] == ["Tin X", "Tin Y"]


def test_a_platform_is_recognised_by_its_address_alone() -> None:
    html = ("<html><body><h3><a href='/menu/a'>Menu A</a></h3><ul class='ds'><li class='ArticleList'></li></ul>"
            "<ul class='ArticleList'><li><a href='/tin/x-1.html'>Tin X</a></li></ul></body></html>")
    items = parse_listing(html, "https://tinh.gov.vn/Default.aspx?sname=ubnd&sid=4&pageid=27")
    assert [i.title for i in items] == ["Tin X"]


PARAGRAPH = "<p>Ủy ban nhân dân tỉnh yêu cầu các sở, ngành rà soát, công khai thủ tục hành chính đầy đủ, đúng hạn.</p>"


def test_a_vnpt_page_without_evidenced_title_or_date_shape_falls_back_field_by_field() -> None:
    html = ("<html><head><title>Rà soát thủ tục hành chính - Cổng thông tin điện tử tỉnh</title>"
            "<meta property='og:title' content='Rà soát thủ tục hành chính'></head><body>"
            "<div class='logo'><h1>CỔNG THÔNG TIN ĐIỆN TỬ TỈNH</h1></div>"
            "<div class='PostDate'>Cập nhật: 09:15 - 14/01/2026</div>"
            f"<div class='ArticleContent'>{PARAGRAPH * 3}</div></body></html>")
    article = extract_article(html, "https://tinh.gov.vn/tin/ra-soat-12.html")
    assert (article.extractor, article.title, str(article.published)) == (
        "vnpt-vnportal", "Rà soát thủ tục hành chính", "2026-01-14")


@pytest.mark.parametrize("text, is_label", [
    ("Tin liên quan", True), ("TIN CÙNG CHUYÊN MỤC", True), ("Đọc nhiều nhất", True), ("Xem thêm:", True),
    ("Ý kiến bạn đọc (0)", True), ("Viết bình luận mới", True), ("Chia sẻ:", True), ("Lượt xem: 1.245", True),
    ("Từ khóa:", True), ("» Các tin khác", True),
    # ordinary sentences that begin with the same words are not labels
    ("Chia sẻ kinh nghiệm giải quyết hồ sơ đúng hạn", False),
    ("Tin liên quan đến việc sắp xếp đơn vị hành chính cấp xã được người dân đặc biệt quan tâm trong năm", False),
    ("Bình luận về kết quả Chỉ số CCHC, Giám đốc Sở cho biết", False),
    ("", False),
])
def test_boilerplate_labels_are_told_from_sentences(text: str, is_label: bool) -> None:
    assert boilerplate_label(text) is is_label


def test_line_cleanup_drops_a_label_and_its_headlines_and_a_closing_credit() -> None:
    lines = ["Tỉnh giải quyết 12.400 hồ sơ, đạt 98,2% đúng hạn.", "Tin liên quan",
             "Xã A công bố kế hoạch cải cách hành chính", "Huyện B giảm hồ sơ trễ hạn",
             "Năm 2026, tỉnh tiếp tục số hóa hồ sơ.", "Minh Anh"]
    assert clean_lines(lines) == ["Tỉnh giải quyết 12.400 hồ sơ, đạt 98,2% đúng hạn.",
                                  "Năm 2026, tỉnh tiếp tục số hóa hồ sơ."]


def test_related_boxes_captions_and_headline_lists_inside_a_body_are_dropped() -> None:
    html = ("<html><body><div class='ArticleContent'>" + PARAGRAPH
            + "<div align='center'><img src='/a.jpg'></div><p style='text-align:center'><em>Người dân nộp hồ sơ</em></p>"
            + "<table class='box'><tr><td><strong>Xem thêm:</strong> <a href='/x'>Xã C đạt 100% hồ sơ đúng hạn</a></td></tr></table>"
            + PARAGRAPH + "<ul><li><a href='/1'>Tin một</a></li><li><a href='/2'>Tin hai</a></li></ul>"
            + "<p>Đây là đoạn cuối của bài viết về cải cách hành chính của tỉnh trong năm.</p></div></body></html>")
    article = extract_article(html, "https://tinh.gov.vn/Default.aspx?sname=x")
    assert article.text.splitlines() == [PARAGRAPH[3:-4], PARAGRAPH[3:-4],
                                         "Đây là đoạn cuối của bài viết về cải cách hành chính của tỉnh trong năm."]


def test_a_wrapper_whose_class_merely_names_a_widget_word_is_kept() -> None:
    """`class="entry author-x"` wraps the whole post on many blogs: only short or link-dense matches go."""
    html = ("<html><body><div class='entry author-minh post'><h1>Tiêu đề</h1>" + PARAGRAPH * 12
            + "<div class='author-box'>Minh Anh</div></div></body></html>")
    article = extract_article(html, "https://bao.vn/a")
    assert article.text.count("rà soát, công khai") == 12 and "Minh Anh" not in article.text


def test_deep_nesting_of_any_tag_is_refused() -> None:
    from cchc_monitor.errors import ParseError

    for tag in ("b", "font", "em", "x-custom"):
        with pytest.raises(ParseError) as info:
            extract_article(f"<html><body>{f'<{tag}>' * 50_000}{PARAGRAPH}</body></html>", "https://x.vn/a")
        assert info.value.reason == "parse.malformed_html"
    # void elements do not nest: a page of many images and line breaks is read
    html = "<html><body><div class='ArticleContent'>" + "<br><img src='/a.png'>" * 5000 + PARAGRAPH * 2 + "</div></body></html>"
    assert "công khai" in extract_article(html, "https://x.vn/a").text


def test_one_page_costs_a_bounded_amount_of_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """A page of thousands of table rows: the body kept is capped, the markup trafilatura reads is capped."""
    import trafilatura

    from scrapers import article as extraction

    rows = "".join(f"<tr><td>{i}</td><td>Hồ sơ số {i} trễ hạn</td></tr>" for i in range(12_000))
    html = f"<html><body><div class='ArticleContent'>{PARAGRAPH}<table>{rows}</table></div></body></html>"
    monkeypatch.setattr(extraction, "MAX_BODY_CHARS", 50_000)
    assert len(extract_article(html, "https://x.gov.vn/a").text) == 50_000
    seen: list[int] = []
    original = trafilatura.extract

    def observed(markup: str, **options: object) -> str | None:
        seen.append(len(markup))
        return original(markup, **options)  # type: ignore[arg-type]  # trafilatura's options are untyped

    monkeypatch.setattr(extraction, "MAX_GENERIC_MARKUP", 100_000)
    monkeypatch.setattr(trafilatura, "extract", observed)
    extract_article(html.replace("class='ArticleContent'", ""), "https://x.vn/a")
    assert seen == [100_000]


def test_a_source_article_selector_that_is_not_css_fails_that_page_with_a_reason() -> None:
    from cchc_monitor.errors import ParseError
    from cchc_monitor.models import ArticleSelectors
    from scrapers.article import source_profile

    bad = source_profile("p", ArticleSelectors(body=("div[[",), title=(), date=(), drop=()))
    with pytest.raises(ParseError) as info:
        extract_article(f"<html><body>{PARAGRAPH}</body></html>", "https://x.vn/a", profile=bad)
    assert info.value.reason == "config.bad_selector"


def test_a_sources_file_names_only_platforms_we_have_a_profile_for(tmp_path: Path) -> None:
    from cchc_monitor.errors import ConfigError
    from scrapers.sources import load_sources
    from tests.helpers import ROOT, write_sources

    shipped = load_sources(ROOT / "sources.yaml", default_max_items=30)
    assert {s.id: s.cms for s in shipped if s.id in ("laocai", "caobang", "ninhbinh", "sonla", "namdinh",
                                                        "binhthuan")} == dict.fromkeys(
        ("laocai", "caobang", "ninhbinh", "sonla", "namdinh", "binhthuan"), "vnpt-vnportal")
    bad = write_sources(tmp_path / "s.yaml", [{"id": "p", "name": "P", "kind": "rss", "url": "https://x.gov.vn/rss",
                                               "cms": "vnpt"}])
    with pytest.raises(ConfigError, match=r"cms: .*unknown platform 'vnpt'.*vnpt-vnportal"):
        load_sources(bad, default_max_items=30)
