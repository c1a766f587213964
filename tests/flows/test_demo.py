"""`make demo` end to end: the demo portal, one cycle, an immediate alert on Zalo and by e-mail, a bulletin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cchc_monitor.demo.runner import run_demo
from cchc_monitor.models import CycleSummary

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]


def test_the_demo_alerts_on_zalo_and_by_mail_and_sends_a_bulletin(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    summaries: list[CycleSummary] = []
    run_demo(tmp_path / "demo", keep_serving=False, report=lambda summary, db: summaries.append(summary))
    (summary,) = summaries
    assert summary.articles_new == 4 and summary.alerts_queued == 0
    assert {d.label: d.sent for d in summary.deliveries} == {"zalo://… [cchc]": 2, "mailto://127.0.0.1 [lanhdao]": 1}
    chats = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((tmp_path / "demo" / "zalo").glob("*.json"))]
    assert [c["text"].splitlines()[0] for c in chats] == [
        "Hồ sơ trễ hạn: 236 (thành phố) – thành phố Cao Lãnh, Đồng Tháp (+1 cảnh báo)",
        "Kế hoạch CCHC năm 2026 mới (15/KH-UBND): thành phố Sa Đéc, Đồng Tháp"]
    assert all(c["chat_id"] == "demo.chat.cchc" and len(c["text"]) <= 2000 for c in chats)
    mails = sorted((tmp_path / "demo" / "mail").glob("*.eml"))
    assert len(mails) == 2  # the plan alert (leaders' rules), then the morning bulletin
    bulletin = mails[1].read_bytes().decode("utf-8", "replace")
    assert "Subject: =?utf-8?" in bulletin or "Bản tin CCHC" in bulletin
    out = capsys.readouterr().out
    assert "2 Zalo message(s)" in out and "[morning bulletin]" in out
