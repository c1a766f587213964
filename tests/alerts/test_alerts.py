"""Alert rules and Apprise delivery to a real SMTP server on loopback; secrets never leak."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from alerts import Notifier, detect, redact
from analysis import analyze
from cchc_monitor.demo.mailsink import MailSink
from cchc_monitor.errors import DeliveryError
from cchc_monitor.models import ArticleRecord

PLAN = "Thành phố Sa Đéc ban hành Kế hoạch cải cách hành chính năm 2026\n\nKế hoạch số 15/KH-UBND về cải cách hành chính."
BACKLOG = "Chấn chỉnh CCHC\n\nvẫn còn hồ sơ giải quyết trễ hạn (cấp thành phố là 1.416 hồ sơ, cấp xã là 3 hồ sơ)."


def _record(text: str, ident: str = "a1") -> ArticleRecord:
    return ArticleRecord(ident, f"https://x.gov.vn/{ident}", "src", text.split("\n")[0], date(2026, 1, 1),
                         text, "h", "test", analyze(text))


def test_new_plan_is_keyed_by_number_year_and_province_so_reposts_do_not_alert_again() -> None:
    first = detect(_record(PLAN, "a1"), backlog_threshold=1)
    repost = detect(_record(PLAN, "b2"), backlog_threshold=1)
    assert [c.key for c in first] == ["new_plan:15/KH-UBND:2026:Đồng Tháp"] == [c.key for c in repost]
    # every People's Committee numbers its own plans, and numbers restart each year: other plans
    elsewhere = detect(_record(PLAN.replace("Sa Đéc", "Bảo Lộc"), "c3"), backlog_threshold=1)
    assert [c.key for c in elsewhere] == ["new_plan:15/KH-UBND:2026:Lâm Đồng"]
    next_year = detect(replace(_record(PLAN, "d4"), published=date(2027, 1, 5)), backlog_threshold=1)
    assert [c.key for c in next_year] == ["new_plan:15/KH-UBND:2027:Đồng Tháp"]
    # communes number their own plans: a named local issuer is part of the identity
    commune = "Kế hoạch CCHC năm 2026\n\nUBND xã {} ban hành Kế hoạch số 15/KH-UBND về cải cách hành chính, Đồng Tháp."
    keys = [c.key for name in ("An Bình", "Tân Phú", "An Bình") for c in detect(_record(commune.format(name)), 1)]
    assert keys == ["new_plan:15/KH-UBND:2026:Đồng Tháp:xã An Bình", "new_plan:15/KH-UBND:2026:Đồng Tháp:xã Tân Phú",
                    "new_plan:15/KH-UBND:2026:Đồng Tháp:xã An Bình"]
    dated = PLAN.replace("Kế hoạch số 15/KH-UBND", "Kế hoạch số 15/KH-UBND ngày 28/12/2025")
    assert [c.key for c in detect(_record(dated, "e5"), 1)] == ["new_plan:15/KH-UBND:2025:Đồng Tháp"]
    assert "15/KH-UBND" in first[0].title


def test_backlog_threshold_keeps_figures_at_or_above_it() -> None:
    assert len(detect(_record(BACKLOG), backlog_threshold=1)) == 2
    (only,) = detect(_record(BACKLOG), backlog_threshold=1416)
    assert only.title.startswith("Hồ sơ trễ hạn: 1.416 (thành phố)")
    assert detect(_record(BACKLOG), backlog_threshold=1417) == []


def test_email_is_delivered_through_apprise_to_a_real_smtp_server(mailbox: MailSink) -> None:
    Notifier((mailbox.url,)).send("Cảnh báo: Hồ sơ trễ hạn", "cấp thành phố là 1.416 hồ sơ")
    (message,) = mailbox.messages
    assert message["Subject"] == "Cảnh báo: Hồ sơ trễ hạn"
    assert "1.416 hồ sơ" in MailSink.text_of(message)


def test_markup_from_scraped_pages_arrives_escaped_never_live(mailbox: MailSink) -> None:
    Notifier((mailbox.url,)).send("Kế hoạch <script>alert(1)</script>\x07", "Tin <img src=x onerror=alert(1)>\n«1.416 hồ sơ»")
    (message,) = mailbox.messages
    html_part = message.get_body(preferencelist=("html",)).get_content()
    assert "<img" not in html_part and "&lt;img src=x onerror=alert(1)&gt;" in html_part
    assert "<img src=x onerror=alert(1)>" in MailSink.text_of(message)  # the text part reads as written
    assert "\x07" not in str(message["Subject"])


def test_a_failed_delivery_raises_without_the_secret() -> None:
    secret_url = "mailtos://bot:S3cretPassw0rd@127.0.0.1:9?from=a@b.vn&to=c@d.vn"
    with pytest.raises(DeliveryError) as info:
        Notifier((secret_url,)).send("t", "b")
    assert "S3cretPassw0rd" not in str(info.value)


def test_an_invalid_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(DeliveryError, match=r"notify URL #1 \(scheme nosuch://\)") as info:
        Notifier(("nosuch://token-abcdef123456@host",))
    assert "token-abcdef123456" not in str(info.value)


def test_redact_removes_passwords_tokens_and_whole_urls() -> None:
    url = "tgram://123456789:AAbbCCddEEff/987654"
    text = f"failed to send to {url}; token 123456789:AAbbCCddEEff rejected"
    cleaned = redact(text, [url])
    assert "AAbbCCddEEff" not in cleaned and "***" in cleaned
