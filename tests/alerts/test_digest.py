"""The morning digest: its wording, numbers and escaping, the Zalo summary, and how the e-mail looks as delivered.

The look test sends the digest through Apprise to a real SMTP server on loopback, renders the HTML part of
the message received in headless Chromium (images off, no host resolvable) and checks the backlog table and
the trend chart in the DOM and in the screenshot's pixels (tests/alerts/chromium.py; `.ci/run` installs it)."""

from __future__ import annotations

import os
import struct
import zlib
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import apprise
import pytest
from bs4 import BeautifulSoup

from alerts.digest import (
    BAR_COLOUR,
    CHART_BAR_HEIGHT,
    CHAT_LIMIT,
    CHAT_NOTE,
    BacklogLine,
    Digest,
    HealthLine,
    PlanLine,
    ScoreLine,
    TrendSeries,
    backlog_change,
    clean,
    rank_change,
    render_chat,
    render_email,
    score_change,
    vn_date,
    vn_number,
    web_url,
)
from cchc_monitor.demo.mailsink import MailSink
from tests.alerts import chromium

ROOT = Path(__file__).resolve().parents[2]
# Read at import: the autouse `clean_environ` fixture (tests/conftest.py) removes every CCHC_* variable
# before each test runs.
ARTIFACTS = Path(os.environ.get("CCHC_TEST_ARTIFACTS") or ROOT / "test-artifacts")

DAY = date(2026, 12, 1)
REPORTS = (date(2026, 7, 31), date(2026, 8, 31), date(2026, 9, 30), date(2026, 10, 31), date(2026, 11, 30))
TRENDS = {  # late dossiers of each province in its last five monthly reports
    "Đồng Tháp": (120, 98, 150, 1104, 1416),
    "Đắk Lắk": (1320, 1280, 1190, 1012, 930),
    "Quảng Trị": (64, 40, 52, 31, 19),
    "Lâm Đồng": (708, 708, 655, 690, 512),
    "Khánh Hòa": (310, 402, 388, 450, 475),
}


def _web(path: str) -> str:
    return f"https://cchc.example.gov.vn/{path}"


def leaders_digest(**changes: object) -> Digest:
    """A realistic morning digest for a provincial leader: a plan, six localities, three scores, five trends."""
    digest = Digest(
        recipient="Lãnh đạo UBND tỉnh Đồng Tháp",
        day=DAY,
        plans=(PlanLine("UBND xã Hướng Linh ban hành Kế hoạch cải cách hành chính năm 2027",
                        _web("ke-hoach-cchc-2027-huong-linh"), "Quảng Trị", "18/KH-UBND", 2027, "xã Hướng Linh"),),
        backlog=(
            BacklogLine("Phường Sa Đéc", "Đồng Tháp", "xã", 1416, 1104, date(2026, 10, 31), date(2026, 11, 30),
                        _web("sa-dec-ho-so-tre-han?id=1&p=2")),
            BacklogLine("Tỉnh Đắk Lắk", "Đắk Lắk", "tỉnh", 930, 1012, date(2026, 10, 31), date(2026, 11, 30),
                        _web("dak-lak-tre-han")),
            BacklogLine("Xã Hướng Linh", "Quảng Trị", "xã", 19, None, None, date(2026, 11, 29), _web("huong-linh")),
            BacklogLine("Phường Bảo Lộc", "Lâm Đồng", "xã", 512, 512, date(2026, 10, 31), date(2026, 11, 30),
                        _web("bao-loc")),
            BacklogLine("Phường Nha Trang", "Khánh Hòa", "xã", 475, 450, date(2026, 10, 31), None, _web("nha-trang")),
            BacklogLine("Xã Cẩm Xuyên", "Hà Tĩnh", None, 5830, 6142, None, date(2026, 11, 28), _web("cam-xuyen")),
        ),
        scores=(
            ScoreLine("Đồng Tháp", "PAR INDEX", 93.36, 84.66, 2025, 5, 8, _web("par-index-2025")),
            ScoreLine("Lâm Đồng", "SIPAS", 82.4, 85.1, 2025, 21, 19, _web("sipas-2025")),
            ScoreLine("Khánh Hòa", "PAPI", 46.0415, None, 2025, None, None, _web("papi-2025")),
        ),
        health=(HealthLine("dongthap-cchc", "Cổng TTĐT Đồng Tháp — CCHC", "parse.layout_changed", 3,
                           _web("nguon/dong-thap")),),
        trends=tuple(TrendSeries(name, tuple(zip(REPORTS, counts, strict=True))) for name, counts in TRENDS.items()),
    )
    return replace(digest, **changes)


EMPTY = Digest("Lãnh đạo UBND xã An Bình", DAY, (), (), (), (), ())


class _Tags(HTMLParser):
    """Every start tag with its attributes, as a browser's tokenizer sees them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


# ---- numbers, dates, wording ------------------------------------------------------------------------------


def test_numbers_are_written_the_vietnamese_way_and_dates_as_dd_mm_yyyy() -> None:
    assert vn_number(1416) == "1.416"
    assert vn_number(93.36) == "93,36"
    assert vn_number(1234567.5) == "1.234.567,5"
    assert vn_number(46.0415) == "46,0415"
    assert vn_number(85.0) == "85"
    assert vn_number(0) == "0"
    assert vn_number(-312) == "-312"
    assert vn_date(date(2026, 1, 5)) == "05/01/2026"
    email = render_email(leaders_digest())
    for part in (email.html, email.text):
        assert "1.416" in part and "93,36" in part and "84,66" in part and "5.830" in part
        assert "31/10/2026" in part
    assert email.subject == "Bản tin CCHC sáng 01/12/2026"


def test_backlog_change_says_up_down_unchanged_or_new_against_the_previous_report() -> None:
    up, down, new, same, _, undated = leaders_digest().backlog
    assert backlog_change(up).text == "tăng 312 so với báo cáo ngày 31/10/2026"
    assert backlog_change(down).text == "giảm 82 so với báo cáo ngày 31/10/2026"
    assert backlog_change(new).text == "mới"
    assert backlog_change(same).text == "không đổi so với báo cáo ngày 31/10/2026"
    assert backlog_change(undated).text == "giảm 312 so với báo cáo trước"
    assert up.change == 312 and new.change is None and same.change == 0
    email = render_email(leaders_digest())
    for phrase in ("tăng 312 so với báo cáo ngày 31/10/2026", "giảm 82 so với báo cáo ngày 31/10/2026",
                   "không đổi so với báo cáo ngày 31/10/2026", "giảm 312 so với báo cáo trước"):
        assert phrase in email.text
        assert phrase in BeautifulSoup(email.html, "html.parser").get_text(" ", strip=True)
    assert "Xã Hướng Linh (Quảng Trị, cấp xã): 19 hồ sơ (báo cáo 29/11/2026) — mới" in email.text
    big = BacklogLine("Hà Nội", "Hà Nội", "thành phố", 12500, 10000, date(2026, 11, 1), None, _web("hn"))
    assert backlog_change(big).text == "tăng 2.500 so với báo cáo ngày 01/11/2026"


def test_score_and_rank_changes_are_put_into_words() -> None:
    par, sipas, papi = leaders_digest().scores
    assert [(c.kind, c.text) for c in (score_change(par), rank_change(par)) if c] == [("up", "tăng 8,7"),
                                                                                      ("up", "lên 3 bậc")]
    assert [(c.kind, c.text) for c in (score_change(sipas), rank_change(sipas)) if c] == [("down", "giảm 2,7"),
                                                                                          ("down", "xuống 2 bậc")]
    assert score_change(papi) is None and rank_change(papi) is None
    assert [c.text for c in (score_change(replace(par, previous=93.36)), rank_change(replace(par, previous_rank=5)))
            if c] == ["không đổi", "giữ nguyên"]
    email = render_email(leaders_digest())
    assert "Đồng Tháp — PAR INDEX 2025: 93,36 (kỳ trước 84,66, tăng 8,7); hạng 5 (lên 3 bậc)" in email.text
    html_text = BeautifulSoup(email.html, "html.parser").get_text(" ", strip=True)
    assert "tăng 8,7" in html_text and "xuống 2 bậc" in html_text and "46,0415" in html_text


def test_the_text_part_carries_the_same_content_and_the_chart_as_numbers() -> None:
    digest = leaders_digest()
    email = render_email(digest)
    for line in digest.backlog:
        assert line.locality in email.text and line.url in email.text
    assert digest.plans[0].title in email.text and "Số 18/KH-UBND · năm 2027 · UBND xã Hướng Linh" in email.text
    assert "Đồng Tháp: 120 → 98 → 150 → 1.104 → 1.416 (báo cáo 31/07/2026 – 30/11/2026)" in email.text
    assert "Quảng Trị: 64 → 40 → 52 → 31 → 19" in email.text
    assert "<" not in email.text  # plain text: no markup of ours


# ---- untrusted text ---------------------------------------------------------------------------------------


HOSTILE = leaders_digest(
    plans=(PlanLine("Kế hoạch <script>alert(1)</script> & \x07\u202eđảo", "javascript:alert(1)", "<b>Huế</b>",
                    "1\"/><img src=x onerror=alert(1)>", 2026, "xã <i>A</i>"),),
    backlog=(BacklogLine('"><img src=x onerror=alert(2)>', "Đồng Tháp", "<svg onload=alert(3)>", 7, 3,
                         date(2026, 11, 1), None, " JaVaScRiPt:alert(4)"),
             BacklogLine("Phường 1", None, None, 3, None, None, None, 'https://ok.gov.vn/a" onmouseover="alert(5)'),
             BacklogLine("Phường 2", None, None, 4, None, None, None, "data:text/html,<script>alert(6)</script>"),
             BacklogLine("Phường 3", None, None, 5, None, None, None, "//evil.example/x"),
             BacklogLine("Phường 4", None, None, 6, None, None, None, "HTTPS://dongthap.gov.vn/tin?a=1&b=2")),
    scores=(ScoreLine("<style>*{display:none}</style>", "PAR <INDEX>", 1.5, None, None, None, None,
                      "vbscript:msgbox"),),
    health=(HealthLine("x", "<iframe src=//evil>", "<b>r</b>", 1, "file:///etc/passwd"),),
    operator=True,
)


def test_only_plain_web_addresses_become_links() -> None:
    assert web_url("https://dongthap.gov.vn/a?x=1&y=2") == "https://dongthap.gov.vn/a?x=1&y=2"
    assert web_url("HTTP://example.vn") == "HTTP://example.vn"
    for bad in ("javascript:alert(1)", " https://x.vn", "https://x.vn/a b", "https:///x", "//x.vn", "data:,x",
                'https://x.vn/"onmouseover=1', "https://x.vn/\x00", "ftp://x.vn/", "", "https://"):
        assert web_url(bad) is None, bad


def test_hostile_titles_and_urls_arrive_escaped_never_as_markup_or_links() -> None:
    email = render_email(HOSTILE)
    tags = _Tags(email.html).tags
    names = {name for name, _ in tags}
    assert not names & {"script", "img", "svg", "style", "iframe", "b", "i"}
    assert all(not key.startswith("on") for _, attrs in tags for key in attrs)
    hrefs = [attrs["href"] for name, attrs in tags if name == "a"]
    assert hrefs == ["HTTPS://dongthap.gov.vn/tin?a=1&b=2"]  # the only plain http(s) address
    text = BeautifulSoup(email.html, "html.parser").get_text(" ", strip=True)
    assert "Kế hoạch <script>alert(1)</script> &" in text  # shown as the text it is
    assert "javascript:alert(1)" in text and "data:text/html" in text  # bad addresses are shown, not linked
    assert "&lt;script&gt;" in email.html and "\x07" not in email.html and "\u202e" not in email.html
    assert "\x07" not in email.text and "\u202e" not in email.text
    chat = render_chat(HOSTILE)
    assert "javascript:" not in chat.lower() and "data:" not in chat and "file:" not in chat


def test_the_html_is_self_contained_no_images_scripts_styles_or_remote_resources() -> None:
    html = render_email(leaders_digest(operator=True)).html.lower()
    for banned in ("<img", "<svg", "<script", "<style", "<link", "<iframe", "url(", "src=", "data:", "@import"):
        assert banned not in html, banned
    assert html.startswith("<!doctype html>") and '<html lang="vi">' in html and '<meta charset="utf-8">' in html


def test_source_health_is_for_operators_only() -> None:
    leader, operator = render_email(leaders_digest()), render_email(leaders_digest(operator=True))
    assert "Tình trạng nguồn" not in leader.html and "parse.layout_changed" not in leader.html
    assert "TÌNH TRẠNG NGUỒN" not in leader.text and "parse.layout_changed" not in leader.text
    assert "Tình trạng nguồn" in operator.html and "parse.layout_changed" in operator.html
    assert "Cổng TTĐT Đồng Tháp — CCHC [dongthap-cchc]: parse.layout_changed, lỗi 3 lần liên tiếp" in operator.text
    assert "nguồn lỗi" not in render_chat(leaders_digest())
    assert "Nguồn lỗi:" in render_chat(leaders_digest(operator=True))
    quiet = render_email(leaders_digest(operator=True, health=()))
    assert "Mọi nguồn đều hoạt động bình thường." in quiet.html


def test_an_empty_digest_says_so_briefly_and_draws_no_chart() -> None:
    email = render_email(EMPTY)
    for note in ("Không có kế hoạch mới.", "Không có báo cáo hồ sơ trễ hạn mới.", "Không có thay đổi chỉ số."):
        assert note in email.html and note in email.text
    assert "cchc-chart" not in email.html and "XU HƯỚNG" not in email.text
    assert email.subject == "Bản tin CCHC sáng 01/12/2026"
    chat = render_chat(EMPTY)
    assert chat.splitlines()[0] == "Bản tin CCHC sáng 01/12/2026" and "Không có tin mới." in chat


def test_clean_folds_untrusted_text_onto_one_line_and_cuts_it() -> None:
    assert clean("  Kế\thoạch\n\nsố\x0015  ") == "Kế hoạch số 15"
    assert clean("a" * 400) == "a" * 299 + "…"
    assert clean("Ho\u0300a") == "Hòa"  # NFC: decomposed input is composed


# ---- the Zalo summary -------------------------------------------------------------------------------------


def test_chat_summary_counts_sections_and_lists_the_first_lines_with_links() -> None:
    chat = render_chat(leaders_digest())
    lines = chat.splitlines()
    assert lines[0] == "Bản tin CCHC sáng 01/12/2026"
    assert lines[1] == "1 kế hoạch mới · 6 địa phương có hồ sơ trễ hạn · 3 chỉ số"
    assert "- Phường Sa Đéc (Đồng Tháp): 1.416 hồ sơ, tăng 312 so với báo cáo ngày 31/10/2026" in lines
    assert "  " + _web("sa-dec-ho-so-tre-han?id=1&p=2") in lines
    assert "  … và 3 địa phương khác" in lines and "Phường Bảo Lộc" not in chat  # the first three only
    assert lines[-1] == CHAT_NOTE and "…" != lines[-2]  # short enough: not cut
    assert "<" not in chat and "**" not in chat  # plain text, no markup


def test_chat_summary_of_a_huge_digest_is_cut_at_a_line_boundary_within_zalos_limit() -> None:
    long_url = _web("x" * 270)
    huge = leaders_digest(
        plans=tuple(PlanLine(f"Kế hoạch cải cách hành chính số {i} " + "rất dài " * 30, long_url, "Đồng Tháp",
                             f"{i}/KH-UBND", 2027, None) for i in range(50)),
        backlog=tuple(BacklogLine(f"Xã Thử Nghiệm {i} " + "Đồng Tháp " * 10, "Đồng Tháp", "xã", 1000 + i, i,
                                  date(2026, 10, 31), None, long_url) for i in range(500)),
        scores=tuple(ScoreLine(f"Đơn vị {i}", "PAR INDEX", 90.5, 80.25, 2025, i + 1, i + 3, long_url)
                     for i in range(100)),
        health=tuple(HealthLine(f"s{i}", f"Nguồn {i}", "fetch.timeout", 4, long_url) for i in range(100)),
        operator=True,
    )
    chat = render_chat(huge)
    assert len(chat) <= CHAT_LIMIT
    lines = chat.splitlines()
    assert lines[-2:] == ["…", CHAT_NOTE]
    whole = render_chat(huge, limit=10**6).splitlines()
    assert len("\n".join(whole)) > CHAT_LIMIT
    assert lines[:-2] == whole[: len(lines) - 2]  # whole lines of the full summary, in order, none cut
    assert lines[0] == "Bản tin CCHC sáng 01/12/2026"
    assert lines[1] == "50 kế hoạch mới · 500 địa phương có hồ sơ trễ hạn · 100 chỉ số · 100 nguồn lỗi"


# ---- the Chromium helper ----------------------------------------------------------------------------------


def test_without_chromium_the_look_test_skips_locally_but_fails_on_ci(monkeypatch: pytest.MonkeyPatch,
                                                                      tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no browser on PATH
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no headless Chromium"):
        chromium.find_chromium()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must install it"):
        chromium.find_chromium()


# ---- the look test: the e-mail as delivered, in a browser engine ------------------------------------------


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB rows of an 8-bit, non-interlaced RGB or RGBA PNG (stdlib only)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, []
    width = height = channels = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:  # Sub
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind == 2:  # Up
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind == 3:  # Average
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:  # Paeth
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b, c = previous[i], previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        previous = line
        rows.append(bytes(line) if channels == 3 else bytes(v for i, v in enumerate(line) if i % 4 != 3))
    return width, height, rows


def _near(row: bytes, x: int, rgb: tuple[int, int, int], tolerance: int = 12) -> bool:
    return all(abs(row[3 * x + k] - rgb[k]) <= tolerance for k in range(3))


def _runs(row: bytes, width: int, rgb: tuple[int, int, int]) -> int:
    """How many separate stretches of the colour a row of pixels crosses."""
    runs, inside = 0, False
    for x in range(width):
        hit = _near(row, x, rgb)
        runs += hit and not inside
        inside = hit
    return runs


def _artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if ARTIFACTS == ROOT / "test-artifacts":
        (ARTIFACTS / ".gitignore").write_text("# screenshots of test runs, never committed\n*\n", encoding="utf-8")
    return ARTIFACTS


def test_digest_email_as_delivered_shows_its_backlog_table_and_trend_chart_in_chromium() -> None:
    digest = leaders_digest()
    email = render_email(digest)
    with MailSink() as sink:
        sender = apprise.Apprise()
        assert sender.add(sink.url)
        assert sender.notify(title=email.subject, body=email.html, body_format=apprise.NotifyFormat.HTML)
    (message,) = sink.messages
    assert message["Subject"] == email.subject
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    received = part.get_content()
    assert received.replace("\r\n", "\n").strip() == email.html.strip()  # delivered as rendered (SMTP line ends aside)

    folder = _artifacts()
    page = folder / "digest.html"
    page.write_text(received, encoding="utf-8")
    width, height = 680, 2000
    png = chromium.screenshot(page, folder / "digest.png", width=width, height=height)

    # the DOM the browser engine built: one backlog row per locality, one chart row per province,
    # one bar per report, each bar as tall as its count on the common scale
    dom = BeautifulSoup(chromium.dump_dom(page), "html.parser")
    rows = dom.select("table.cchc-backlog tr.cchc-backlog-row")
    assert [r.find("td").find("a").get_text(strip=True) for r in rows] == [b.locality for b in digest.backlog]
    assert [r.find_all("td")[3].get_text(strip=True) for r in rows] == ["1.416", "930", "19", "512", "475", "5.830"]
    assert "tăng 312 so với báo cáo ngày 31/10/2026" in rows[0].get_text(" ", strip=True)
    chart = dom.select("table.cchc-chart tr.cchc-chart-row")
    assert [r.find("td").get_text(strip=True) for r in chart] == list(TRENDS)
    top = max(max(counts) for counts in TRENDS.values())
    for row, counts in zip(chart, TRENDS.values(), strict=True):
        bars = row.select("td.cchc-bar")
        assert len(bars) == len(REPORTS) == 5
        assert [b["bgcolor"] for b in bars] == [BAR_COLOUR] * 5
        assert [int(b["height"]) for b in bars] == [max(3, round(CHART_BAR_HEIGHT * c / top)) for c in counts]
        labels = [cell.find("div").get_text(strip=True) for cell in row.select("td.cchc-point")]
        assert labels == [vn_number(c) for c in counts]

    # the picture itself: not blank, the bars drawn in their colour, five separate bars side by side
    png_width, png_height, pixels = decode_png(png.read_bytes())
    assert (png_width, png_height) == (width, height)
    bar = (int(BAR_COLOUR[1:3], 16), int(BAR_COLOUR[3:5], 16), int(BAR_COLOUR[5:7], 16))
    assert len({row[i:i + 3] for row in pixels[::10] for i in range(0, len(row), 30)}) > 20  # many colours
    bar_pixels = sum(_near(row, x, bar) for row in pixels for x in range(png_width))
    bar_area = sum(max(3, round(CHART_BAR_HEIGHT * c / top)) for counts in TRENDS.values() for c in counts) * 20
    assert bar_pixels >= bar_area, (bar_pixels, bar_area)
    assert max(_runs(row, png_width, bar) for row in pixels) == 5
    background = pixels[-1][:3]
    assert pixels[-1] == background * png_width  # the page ended above the window's bottom: nothing cut off
