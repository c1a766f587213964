"""Decoding picks the reading that is Vietnamese: a wrong Latin-1 header, bogus charsets, TCVN3 with no
declaration, and the legacy check bounded to a sample of the page."""

from __future__ import annotations

import pytest

from cchc_monitor.errors import ParseError
from scrapers import decode
from scrapers.decode import decode_body, looks_legacy_vietnamese, usable_charset
from tests.scrapers.test_fetch_tls_robots import to_cp1258

SENTENCE = "Ủy ban nhân dân tỉnh Đồng Tháp công bố kết quả cải cách hành chính năm 2025. "
# TCVN3 (ABC) bytes: how "Ủy ban nhân dân tỉnh Đồng Tháp ..." is stored by TCVN3 fonts
TCVN3 = ("<p>" + "Uû ban nh©n d©n tØnh §ång Th¸p c«ng bè kÕt qu¶ c¶i c¸ch hµnh chÝnh. " * 10 + "</p>").encode("cp1252")


@pytest.mark.parametrize("header", ["iso-8859-1", "ISO-8859-1", "windows-1252", "windows-1258", "latin1"])
def test_utf8_bytes_under_a_single_byte_header_are_read_as_utf8_not_mojibake(header: str) -> None:
    text, rule = decode_body(f"<p>{SENTENCE * 3}</p>".encode(), header, "http://x.vn/a")
    assert SENTENCE in text and "á»" not in text and rule == "utf-8"


def test_a_header_naming_utf8_is_still_the_rule_recorded() -> None:
    assert decode_body(SENTENCE.encode(), "utf-8", "http://x.vn/a")[1] == "header"


def test_cp1258_bytes_under_a_latin1_header_are_not_taken_for_utf8() -> None:
    body = to_cp1258(f'<html><head><meta charset="windows-1258"></head><body>{SENTENCE * 5}</body></html>')
    text, rule = decode_body(body, None, "http://x.vn/a")
    assert SENTENCE.strip() in text and rule == "meta"


@pytest.mark.parametrize("header", [None, "utf-8", "iso-8859-1", "undefined", "gb18030"])
def test_tcvn3_is_refused_whatever_the_header_says(header: str | None) -> None:
    with pytest.raises(ParseError) as info:
        decode_body(TCVN3, header, "http://x.vn/a")
    assert info.value.reason == "decode.legacy_vietnamese_encoding"


def test_a_long_cp1258_page_with_no_declaration_is_not_taken_for_tcvn3() -> None:
    body = to_cp1258(f"<html><body><p>{SENTENCE * 40}</p></body></html>")
    try:
        text, _ = decode_body(body, None, "http://x.vn/a")
    except ParseError as exc:  # the detector may give up; what it may not do is call it TCVN3
        assert exc.reason == "decode.charset_unknown"
    else:
        assert "\ufffd" not in text


@pytest.mark.parametrize("charset", ["undefined", "unicode_escape", "raw-unicode-escape", "idna", "utf-7",
                                     "base64", "rot13", "no-such-charset", "", " ", "x\x00y", "utf-8;q=1"])
def test_a_charset_python_cannot_read_a_page_with_is_ignored(charset: str) -> None:
    assert usable_charset(charset) is None
    body = f"<html><head><meta charset={charset}></head><body>{SENTENCE}</body></html>".encode()
    text, _ = decode_body(body, charset, "http://x.vn/a")
    assert SENTENCE in text


def test_ascii_bytes_under_a_utf16_header_are_read_as_ascii_but_real_utf16_keeps_its_header() -> None:
    assert decode_body(b"<p>plain ascii page</p>", "utf-16", "http://x.vn/a")[0] == "<p>plain ascii page</p>"
    assert decode_body(SENTENCE.encode("utf-16-le"), "utf-16-le", "http://x.vn/a")[0] == SENTENCE


def test_the_legacy_check_reads_a_bounded_sample_of_a_long_page(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real = decode.LEGACY_MARKS_RE

    class Counting:
        def findall(self, text: str) -> list[str]:
            seen.append(len(text))
            return real.findall(text)

    monkeypatch.setattr(decode, "LEGACY_MARKS_RE", Counting())
    page = f"<div>{SENTENCE}</div>\n" * 5000  # ~450 KB of ordinary Vietnamese
    assert not looks_legacy_vietnamese(page)
    assert seen and max(seen) <= decode.SAMPLE_WINDOWS * (decode.SAMPLE_WINDOW + 1)


def test_a_legacy_page_is_still_caught_by_the_sample_when_long() -> None:
    body = b"<html><head>" + b"<script>var a = 1;</script>" * 2000 + b"</head><body>" + TCVN3 * 30 + b"</body></html>"
    with pytest.raises(ParseError) as info:
        decode_body(body, "windows-1252", "http://x.vn/a")
    assert info.value.reason == "decode.legacy_vietnamese_encoding"
