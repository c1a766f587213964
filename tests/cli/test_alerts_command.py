"""`cchc-monitor alerts list|retry|drop|test` and `digest --preview` on a real DuckDB file and loopback SMTP."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from alerts import drain, load_targets
from alerts.policy import Policy
from cchc_monitor.cli import app
from cchc_monitor.demo.mailsink import MailSink
from cchc_monitor.models import AlertCandidate
from cchc_monitor.settings import Settings
from storage.repository import Repository

runner = CliRunner()
DEAD = "mailto://user:Pw-77aa11@127.0.0.1:9?from=a@x.vn&to=b@x.vn"


def _queue(db_path: Path, tmp_path: Path, urls: list[str]) -> None:
    alerts = [AlertCandidate(f"backlog_threshold:s{i}:xã:{i}", "backlog_threshold", f"Hồ sơ trễ hạn: {i}", "b",
                             f"a{i}", "warning", (), "Đồng Tháp", {"summary": f"{i} hồ sơ", "links": []})
              for i in (1, 2)]
    delivery = Settings.load(zalo_token_file=tmp_path / "z.json").delivery_config()
    with Repository(db_path) as repo:
        repo.queue_alerts(alerts)
        drain(repo, load_targets(urls, delivery), Policy.model_validate({"rules": []}), now=datetime.now(UTC))


def test_list_retry_and_drop_deliveries(db_path: Path, tmp_path: Path) -> None:
    _queue(db_path, tmp_path, [DEAD])
    listed = runner.invoke(app, ["alerts", "list", "--failed", "--db", str(db_path)])
    assert listed.exit_code == 0, listed.output
    assert "mailto://127.0.0.1" in listed.stdout and "delivery failed" in listed.stdout
    assert "Pw-77aa11" not in listed.stdout
    assert runner.invoke(app, ["alerts", "drop", "1", "--db", str(db_path)]).stdout.startswith("dropped 1 delivery")
    assert runner.invoke(app, ["alerts", "retry", "1", "--db", str(db_path)]).exit_code == 0  # back to pending
    dropped = runner.invoke(app, ["alerts", "drop", "--rule", "backlog_threshold", "--db", str(db_path)])
    assert dropped.stdout.startswith("dropped 2 deliveries")
    assert runner.invoke(app, ["alerts", "list", "--pending", "--db", str(db_path)]).stdout.count("backlog") == 0
    assert runner.invoke(app, ["alerts", "retry", "999", "--db", str(db_path)]).exit_code == 1
    assert runner.invoke(app, ["alerts", "drop", "--db", str(db_path)]).exit_code == 2  # neither id nor rule


def test_alerts_test_sends_now_and_says_why_not_without_secrets(tmp_path: Path, mailbox: MailSink,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCHC_ZALO_TOKEN_FILE", str(tmp_path / "z.json"))
    ok = runner.invoke(app, ["alerts", "test", mailbox.url])
    assert ok.exit_code == 0 and "delivered to mailto://127.0.0.1" in ok.stdout
    assert [str(m["Subject"]) for m in mailbox.messages] == ["CCHC Monitor: tin nhắn thử"]
    bad = runner.invoke(app, ["alerts", "test", DEAD])
    assert bad.exit_code == 1 and bad.stderr.count("\n") == 1 and "Pw-77aa11" not in bad.stderr
    config = tmp_path / "apprise.yml"
    config.write_text(f"urls:\n  - {mailbox.url}:\n    - tag: lanhdao\n", encoding="utf-8")
    config.chmod(0o600)
    monkeypatch.setenv("CCHC_APPRISE_CONFIG", str(config))
    assert runner.invoke(app, ["alerts", "test", "lanhdao"]).exit_code == 0 and len(mailbox.messages) == 2
    unknown = runner.invoke(app, ["alerts", "test", "nobody"])
    assert unknown.exit_code == 1 and "no target has the tag 'nobody'" in unknown.stderr


def test_digest_preview_writes_the_bulletin_without_sending(db_path: Path, tmp_path: Path) -> None:
    _queue(db_path, tmp_path, [])
    out = tmp_path / "digest.html"
    result = runner.invoke(app, ["digest", "--preview", str(out), "--db", str(db_path), "--day", "2026-12-01"])
    assert result.exit_code == 0, result.output
    assert "Bản tin CCHC sáng 01/12/2026" in out.read_text(encoding="utf-8")
    assert runner.invoke(app, ["digest", "--preview", str(out), "--recipient", "nobody", "--db",
                               str(db_path)]).exit_code == 2
