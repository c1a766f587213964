"""One bad item or source never stops a cycle: hostile feeds, charsets, validators, selectors and CA bundles
are recorded failures with a reason code, and the healthy items and sources are stored."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from cchc_monitor.demo.portal import DemoPortal
from tests.helpers import query, run_cycle, write_sources
from tests.scrapers.servers import raw_server, routes

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]

BODY = ("Sáng ngày 02/11/2026, Ủy ban nhân dân tỉnh tổ chức hội nghị đánh giá công tác cải cách hành chính. "
        "Tỷ lệ hồ sơ giải quyết đúng hạn đạt 98,5%, người dân và doanh nghiệp hài lòng với thủ tục trực tuyến. ") * 3


def _article(title: str, charset: str = "utf-8") -> bytes:
    return (f"<html><head><meta charset={charset}><title>{title}</title></head><body>"
            f"<h1>{title}</h1><div class='journal-content-article'><p>{BODY}</p></div></body></html>").encode()


def _feed(base: str) -> bytes:
    host = base.rsplit(":", 1)[0]
    return f"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Tin tỉnh</title>
<item><title>Năm 9999</title><link>{base}/tin/nam-9999</link><pubDate>Fri, 31 Dec 9999 23:59:59 +0000</pubDate></item>
<item><title>IPv6 hỏng</title><link>http://[::1/x</link></item>
<item><title>Cổng sai</title><link>{host}:99999/tin/cong-sai</link></item>
<item><title>Bảng mã lạ</title><link>{base}/tin/bang-ma-la</link></item>
<item><title>Lồng sâu</title><link>{base}/tin/long-sau</link></item>
</channel></rss>""".encode()


def _portal_handler(state: dict[str, str]):  # type: ignore[no-untyped-def]  # a raw socket handler
    def handle(conn: socket.socket, path: str) -> None:
        base = state["base"]
        table = {
            "/robots.txt": ("404 Not Found", {}, b""),
            # a charset Python has a codec for that reads nothing, and an ETag we could never send back
            "/rss": ("200 OK", {"Content-Type": "application/rss+xml; charset=undefined", "ETag": '"tin-\xe9"'},
                     _feed(base)),
            "/tin/nam-9999": ("200 OK", {"Content-Type": "text/html; charset=iso-8859-1"}, _article("Năm 9999")),
            "/tin/bang-ma-la": ("200 OK", {"Content-Type": "text/html"}, _article("Bảng mã lạ", "undefined")),
            "/tin/long-sau": ("200 OK", {"Content-Type": "text/html"}, b"<html><body>" + b"<font>" * 100_000),
            "/listing": ("200 OK", {"Content-Type": "text/html"}, b"<html><body><h3><a href='/tin/x'>x</a></h3>"),
        }
        routes(table)(conn, path)
    return handle


def test_bad_items_and_sources_are_recorded_and_the_rest_is_stored_cycle_after_cycle(
        tmp_path: Path, db_path: Path, portal: DemoPortal) -> None:
    state: dict[str, str] = {}
    (tmp_path / "not-pem.crt").write_bytes(b"\x00\x01 not a certificate")
    with raw_server(_portal_handler(state)) as (base, seen):
        state["base"] = base
        sources = write_sources(tmp_path / "sources.yaml", [
            {"id": "hostile", "name": "Tỉnh lạ", "kind": "rss", "url": base + "/rss"},
            {"id": "bad-selector", "name": "Chọn sai", "kind": "listing", "url": base + "/listing",
             "link_selector": "a["},
            {"id": "bad-ca", "name": "CA hỏng", "kind": "rss", "url": "https://127.0.0.1:1/rss",
             "ca_bundle": "not-pem.crt"},
            {"id": "demo", "name": "Demo", "province": "Đồng Tháp", "kind": "rss", "url": portal.feed_url},
        ])
        first = run_cycle(sources, db_path, [], fetch_retries=0)
        second = run_cycle(sources, db_path, [], fetch_retries=0)  # the stored validators work the next time

    assert first.sources_tried == 4
    assert {f.source: f.reason for f in first.failures} == {"bad-selector": "config.bad_selector",
                                                             "bad-ca": "tls.bad_ca_bundle"}
    assert {f.source: f.reason for f in second.failures} == {"bad-selector": "config.bad_selector",
                                                              "bad-ca": "tls.bad_ca_bundle"}
    titles = {t for (t,) in query(db_path, "select title from articles where source_id = 'hostile'")}
    assert titles == {"Năm 9999", "Bảng mã lạ"}  # UTF-8 under iso-8859-1 is read as UTF-8: no mojibake
    assert query(db_path, "select published from articles where title = 'Năm 9999'") == [(None,)]
    assert first.articles_new == 5  # two of the hostile feed's, the demo's three
    refused = query(db_path, "select reason, count(*) from fetch_log where source_id = 'hostile' and not ok "
                             "group by reason order by reason")
    assert refused == [("parse.invalid_link", 4), ("parse.malformed_html", 2)]  # per cycle: 2 links, 1 page
    assert seen.count("/rss") == 2 and "/tin/cong-sai" not in seen
