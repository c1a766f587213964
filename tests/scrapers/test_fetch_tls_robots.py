"""Fault matrix, part 2: TLS chains (H2), robots.txt (H3) and content decoding (H4)."""

from __future__ import annotations

import ssl
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import trustme

from cchc_monitor.errors import FetchError, ParseError
from scrapers.decode import decode_body
from scrapers.feed import parse_feed
from scrapers.fetch import Fetcher, tls_context
from scrapers.politeness import Gates
from tests.helpers import ROOT, policy
from tests.scrapers.servers import FakeClock, https_server, raw_server, routes

PAGE = "<html><body><p>Ủy ban nhân dân tỉnh</p></body></html>".encode()


def fetcher(clock: FakeClock | None = None, verify: ssl.SSLContext | bool = True, host_delay: float = 0.0) -> Fetcher:
    clock = clock or FakeClock()
    return Fetcher(policy(timeout=2.0, host_delay=host_delay), gates=Gates(clock, host_delay, jitter=0.0),
                   verify=verify)


# H2: TLS ------------------------------------------------------------------------------------------

def _trust(pki: dict[str, Any], tmp_path: Path, extra: bytes | None = None) -> ssl.SSLContext:
    root_pem = tmp_path / "root.pem"
    root_pem.write_bytes(pki["root"].cert_pem.bytes())
    bundle = None
    if extra is not None:
        bundle = tmp_path / "intermediate.pem"
        bundle.write_bytes(extra)
    return tls_context(bundle, base_bundle=str(root_pem))


def _serve(leaf: trustme.LeafCert, full_chain: bool) -> tuple[bytes, bytes]:
    pems = leaf.cert_chain_pems if full_chain else leaf.cert_chain_pems[:1]
    return b"".join(p.bytes() for p in pems), leaf.private_key_pem.bytes()


def test_s1_full_chain_succeeds(pki: dict[str, Any], tmp_path: Path) -> None:
    with https_server(*_serve(pki["leaf"], True), str(tmp_path)) as base:
        with fetcher(verify=_trust(pki, tmp_path)) as f:
            assert f.get(base + "/rss").status == 200


def test_s2_leaf_only_is_a_classified_incomplete_chain(pki: dict[str, Any], tmp_path: Path) -> None:
    with https_server(*_serve(pki["leaf"], False), str(tmp_path)) as base:
        with fetcher(verify=_trust(pki, tmp_path)) as f, pytest.raises(FetchError) as info:
            f.get(base + "/rss")
    assert info.value.reason == "tls.chain_incomplete"


def test_s3_a_source_bundle_with_the_intermediate_fixes_that_source_only(pki: dict[str, Any], tmp_path: Path) -> None:
    intermediate_pem = pki["intermediate"].cert_pem.bytes()
    with https_server(*_serve(pki["leaf"], False), str(tmp_path)) as base:
        with fetcher(verify=_trust(pki, tmp_path, extra=intermediate_pem)) as fixed:
            assert fixed.get(base + "/rss").status == 200
        with fetcher(verify=_trust(pki, tmp_path)) as other, pytest.raises(FetchError):
            other.get(base + "/rss")


@pytest.mark.parametrize("leaf, reason", [("expired", "tls.expired"), ("wrong_host", "tls.hostname")])
def test_s4_expired_and_wrong_host_certificates(pki: dict[str, Any], tmp_path: Path, leaf: str, reason: str) -> None:
    with https_server(*_serve(pki[leaf], True), str(tmp_path)) as base:
        with fetcher(verify=_trust(pki, tmp_path)) as f, pytest.raises(FetchError) as info:
            f.get(base + "/rss")
    assert info.value.reason == reason


def test_verification_is_never_switched_off() -> None:
    sources = "".join(p.read_text(encoding="utf-8") for p in ROOT.joinpath("scrapers").glob("*.py"))
    assert "verify=False" not in sources and "CERT_NONE" not in sources


# H3: robots.txt -----------------------------------------------------------------------------------

@pytest.mark.parametrize("status", ["404 Not Found", "401 Unauthorized", "403 Forbidden"])
def test_r1_r2_robots_4xx_allows_everything(status: str) -> None:
    with raw_server(routes({"/robots.txt": (status, {}, b""), "/a": ("200 OK", {}, PAGE)})) as (base, seen):
        with fetcher() as f:
            assert f.get(base + "/a").status == 200
    assert "/a" in seen


@pytest.mark.parametrize("status", ["500 Internal Server Error", "429 Too Many Requests"])
def test_r3_robots_5xx_or_429_keeps_the_host_out(status: str) -> None:
    with raw_server(routes({"/robots.txt": (status, {}, b""), "/a": ("200 OK", {}, PAGE)})) as (base, seen):
        with fetcher() as f, pytest.raises(FetchError) as info:
            f.get(base + "/a")
    assert info.value.reason == "robots.unreachable" and info.value.retryable
    assert "/a" not in seen


def test_robots_disallow_is_obeyed_for_our_user_agent() -> None:
    robots = b"User-agent: *\nDisallow: /private/\n"
    with raw_server(routes({"/robots.txt": ("200 OK", {}, robots), "/private/x": ("200 OK", {}, PAGE)})) as (base, seen):
        with fetcher() as f, pytest.raises(FetchError) as info:
            f.get(base + "/private/x")
    assert info.value.reason == "robots.disallowed" and "/private/x" not in seen


def test_r4_crawl_delay_spaces_requests_to_one_host() -> None:
    clock = FakeClock()
    robots = b"User-agent: *\nCrawl-delay: 3\n"
    with raw_server(routes({"/robots.txt": ("200 OK", {}, robots), "/a": ("200 OK", {}, PAGE),
                            "/b": ("200 OK", {}, PAGE)})) as (base, _):
        with fetcher(clock) as f:
            f.get(base + "/a")
            f.get(base + "/b")
    assert clock.sleeps and min(clock.sleeps) >= 2.9


def test_r5_more_than_five_robots_redirects_counts_as_unavailable() -> None:
    table = {f"/r{i}": ("302 Found", {"Location": f"/r{i + 1}"}, b"") for i in range(7)}
    table["/robots.txt"] = ("302 Found", {"Location": "/r0"}, b"")
    table["/a"] = ("200 OK", {}, PAGE)
    with raw_server(routes(table)) as (base, _), fetcher() as f:
        assert f.get(base + "/a").status == 200


def test_r6_a_huge_robots_file_is_cut_and_its_first_rules_apply() -> None:
    robots = b"User-agent: *\nDisallow: /private/\n" + b"# padding\n" * 220_000  # about 2 MiB
    with raw_server(routes({"/robots.txt": ("200 OK", {}, robots), "/private/x": ("200 OK", {}, PAGE),
                            "/a": ("200 OK", {}, PAGE)})) as (base, _), fetcher() as f:
        assert f.get(base + "/a").status == 200
        with pytest.raises(FetchError, match="robots"):
            f.get(base + "/private/x")


def test_r7_robots_with_a_bom_and_vietnamese_comments_parses() -> None:
    robots = "\ufeffUser-agent: *\n# Cổng thông tin điện tử\nDisallow: /admin/\n".encode("utf-8")
    with raw_server(routes({"/robots.txt": ("200 OK", {}, robots), "/admin/x": ("200 OK", {}, PAGE)})) as (base, _):
        with fetcher() as f, pytest.raises(FetchError, match="robots"):
            f.get(base + "/admin/x")


# H4: feeds and decoding --------------------------------------------------------------------------

def to_cp1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese writers produce it: â ê ô ơ ư ă đ precomposed, tones combining."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", ch)
        for mark in marks:  # fold the one mark cp1258 has precomposed with the base, keep the tone apart
            merged = unicodedata.normalize("NFC", base + mark)
            try:
                merged.encode("cp1258")
            except UnicodeEncodeError:
                continue
            base, marks = merged, [m for m in marks if m != mark]
            break
        out.append((base + "".join(marks)).encode("cp1258"))
    return b"".join(out)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<rss version="2.0"><channel><item><title>&lol2;</title><link>http://x.vn/a</link></item></channel></rss>"""
XXE = """<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><item><title>&xxe;</title><link>http://x.vn/a</link></item></channel></rss>"""


@pytest.mark.parametrize("feed", [BILLION_LAUGHS, XXE])
def test_p1_p3_doctype_and_entities_are_refused_before_parsing(feed: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_feed(feed, "http://x.vn/rss")
    assert info.value.reason == "parse.dtd_entities"


def test_p6_windows_1258_with_a_meta_charset_becomes_nfc_text() -> None:
    original = "Ủy ban nhân dân tỉnh Đồng Tháp công bố Chỉ số cải cách hành chính"
    body = to_cp1258(f'<html><head><meta charset="windows-1258"></head><body>{original}</body></html>')
    text, rule = decode_body(body, None, "http://x.vn/a")
    assert original in text and rule == "meta"


def test_p7_a_wrong_utf8_header_never_yields_replacement_characters() -> None:
    body = to_cp1258("<p>" + "Ủy ban nhân dân tỉnh công bố kết quả cải cách hành chính năm 2025. " * 20 + "</p>")
    try:
        text, rule = decode_body(body, "utf-8", "http://x.vn/a")
    except ParseError as exc:
        assert exc.reason == "decode.charset_unknown"
    else:
        assert "\ufffd" not in text and rule != "header"


def test_p8_tcvn3_text_is_refused_not_stored_as_mojibake() -> None:
    # "Uû ban nh©n d©n tØnh ..." is how TCVN3 bytes read in Windows-1252
    mojibake = "<p>" + "Uû ban nh©n d©n tØnh §ång Th¸p c«ng bè kÕt qu¶ c¶i c¸ch hµnh chÝnh. " * 10 + "</p>"
    with pytest.raises(ParseError) as info:
        decode_body(mojibake.encode("cp1252"), "windows-1252", "http://x.vn/a")
    assert info.value.reason == "decode.legacy_vietnamese_encoding"


def test_vni_text_is_refused_too() -> None:
    vni = "<p>" + "UÛy ban nhaân daân tænh Ñoàng Thaùp coâng boá keát quaû caûi caùch haønh chính. " * 10 + "</p>"
    with pytest.raises(ParseError) as info:
        decode_body(vni.encode("cp1252"), "windows-1252", "http://x.vn/a")
    assert info.value.reason == "decode.legacy_vietnamese_encoding"


def test_robots_txt_is_read_once_per_host_for_all_fetchers() -> None:
    from scrapers.fetch import RobotsCache

    shared = RobotsCache()
    with raw_server(routes({"/robots.txt": ("200 OK", {}, b"User-agent: *\nAllow: /\n"), "/a": ("200 OK", {}, PAGE),
                            "/b": ("200 OK", {}, PAGE)})) as (base, seen):
        for path in ("/a", "/b"):
            with Fetcher(policy(host_delay=0.0), gates=Gates(FakeClock(), 0.0), robots=shared) as f:
                f.get(base + path)
    assert seen.count("/robots.txt") == 1


def test_ordinary_vietnamese_is_not_taken_for_a_legacy_encoding() -> None:
    text = ("© 2026 Cổng thông tin điện tử tỉnh. Ủy ban nhân dân tỉnh công bố kết quả cải cách hành chính. "
            "Mùa xuân, cán bộ, công chức, viên chức Biên Hòa muôn người như một, quân dân tuân thủ.")
    assert decode_body(text.encode(), "utf-8", "http://x.vn/a")[0] == text
