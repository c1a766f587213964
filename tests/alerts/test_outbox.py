"""Draining the outbox through Apprise into a real SMTP server on loopback, from a real DuckDB file."""

from __future__ import annotations

from pathlib import Path

from alerts import Notifier, drain
from cchc_monitor.demo.mailsink import MailSink
from cchc_monitor.models import AlertCandidate
from storage.repository import Repository

ALERTS = [AlertCandidate("backlog:1", "backlog_threshold", "Hồ sơ trễ hạn: 1.416", "«1.416 hồ sơ trễ hạn»"),
          AlertCandidate("new_plan:1", "new_plan", "Kế hoạch CCHC mới", "https://x.gov.vn/kh")]


def test_every_pending_alert_is_sent_once_and_marked(db_path: Path, mailbox: MailSink) -> None:
    with Repository(db_path) as repo:
        repo.queue_alerts(ALERTS)
        report = drain(repo, Notifier((mailbox.url,)))
        assert (report.sent, report.failed, report.queued) == (2, 0, 0)
        assert drain(repo, Notifier((mailbox.url,))).sent == 0  # a sent alert is never pending again
    assert sorted(str(m["Subject"]) for m in mailbox.messages) == ["Hồ sơ trễ hạn: 1.416", "Kế hoạch CCHC mới"]


def test_without_a_target_alerts_wait_and_a_failure_stays_pending_with_a_redacted_error(db_path: Path) -> None:
    dead = "mailto://user:Pw-8c1d2e@127.0.0.1:9?from=a@x.vn&to=b@x.vn"
    with Repository(db_path) as repo:
        repo.queue_alerts(ALERTS)
        assert drain(repo, Notifier(())).queued == 2
        report = drain(repo, Notifier((dead,)))
        assert (report.sent, report.failed, report.queued) == (0, 2, 2)
        pending = repo.pending_alerts()
        assert [a.attempts for a in pending] == [1, 1]
    from storage.adhoc import run_query

    errors = [r[0] for r in run_query(db_path, "select last_error from alerts")[1]]
    assert all(e and "delivery failed" in e and "Pw-8c1d2e" not in e for e in errors)
