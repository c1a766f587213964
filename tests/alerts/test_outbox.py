"""The outbox on a real DuckDB file, through Apprise into real SMTP servers on loopback: one message per
article and target, each target marked on its own, retries, dead deliveries, routing by tags."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alerts import drain, load_targets, route
from alerts.deliver import Target
from alerts.policy import Policy
from cchc_monitor.config import DeliveryConfig
from cchc_monitor.demo.mailsink import MailSink
from cchc_monitor.errors import ConfigError
from cchc_monitor.models import AlertCandidate, PendingAlert
from storage.adhoc import run_query
from storage.repository import Repository
from tests.helpers import ROOT

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
DEAD = "mailto://user:Pw-8c1d2e@127.0.0.1:9?from=a@x.vn&to=b@x.vn"  # nothing listens on port 9


def _delivery(tmp_path: Path, apprise_config: Path | None = None) -> DeliveryConfig:
    return DeliveryConfig(None, apprise_config, "http://127.0.0.1:9", "http://127.0.0.1:9", "http://127.0.0.1:9",
                          tmp_path / "zalo-tokens.json", 5.0)


def _alert(key: str, article: str | None, title: str, **kw: object) -> AlertCandidate:
    why = {"summary": title, "phrase": f"«{title}»", "links": [f"https://x.gov.vn/{article}"],
           "article_title": f"Bài {article}", "place": "Đồng Tháp"}
    return AlertCandidate(key, str(kw.pop("rule", "backlog_threshold")), title, title, article, "warning",
                          tuple(kw.pop("tags", ("cchc",))), "Đồng Tháp", why, **kw)  # type: ignore[arg-type]


ARTICLE_ALERTS = [_alert("b:1", "a1", "1.416 hồ sơ trễ hạn"), _alert("b:2", "a1", "3 hồ sơ trễ hạn (xã)"),
                  _alert("p:1", "a2", "Kế hoạch CCHC mới", rule="new_plan")]


def _policy(**extra: object) -> Policy:
    return Policy.model_validate({"rules": [{"id": "backlog_threshold", "kind": "backlog_threshold"},
                                            {"id": "new_plan", "kind": "new_plan"}], **extra})


def test_one_message_per_article_and_target_and_never_twice(db_path: Path, mailbox: MailSink, tmp_path: Path) -> None:
    targets = load_targets([mailbox.url], _delivery(tmp_path))
    with Repository(db_path) as repo:
        repo.queue_alerts(ARTICLE_ALERTS)
        report = drain(repo, targets, _policy(), now=NOW)
        assert (report.sent, report.failed, report.queued) == (2, 0, 0)  # two articles, two messages
        assert drain(repo, targets, _policy(), now=NOW + timedelta(days=1)).sent == 0
    subjects = sorted(str(m["Subject"]) for m in mailbox.messages)
    assert subjects == ["1.416 hồ sơ trễ hạn (+1 cảnh báo)", "Kế hoạch CCHC mới"]
    both = next(m for m in mailbox.messages if "1.416" in str(m["Subject"]))
    html = both.get_body(preferencelist=("html",)).get_content()
    assert "3 hồ sơ trễ hạn (xã)" in html and "https://x.gov.vn/a1" in html and "Bài a1" in html


def test_deliveries_are_planned_page_by_page_for_every_pending_alert(db_path: Path, mailbox: MailSink,
                                                                     tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import alerts.outbox

    monkeypatch.setattr(alerts.outbox, "PLAN_PAGE", 2)  # three alerts: two pages
    targets = load_targets([mailbox.url], _delivery(tmp_path))
    with Repository(db_path) as repo:
        repo.queue_alerts(ARTICLE_ALERTS)
        assert drain(repo, [], _policy(), now=NOW).queued == 3  # no target: counted, nothing planned
        report = drain(repo, targets, _policy(), now=NOW)
        assert (report.sent, report.queued, repo.pending_count()) == (2, 0, 0)
    assert len(mailbox.messages) == 2


def test_a_failing_target_never_blocks_or_repeats_the_working_one(db_path: Path, mailbox: MailSink,
                                                                   tmp_path: Path) -> None:
    targets = load_targets([mailbox.url, DEAD], _delivery(tmp_path))
    policy = _policy(delivery={"max_attempts": 3, "backoff_minutes": 10})
    with Repository(db_path) as repo:
        repo.queue_alerts(ARTICLE_ALERTS[:2])
        first = drain(repo, targets, policy, now=NOW)
        assert (first.sent, first.failed) == (1, 1) and len(mailbox.messages) == 1
        assert sorted((t.sent, t.failed) for t in first.targets.values()) == [(0, 1), (1, 0)]
        assert all("delivery failed" in r for t in first.targets.values() for r in t.reasons)
        assert drain(repo, targets, policy, now=NOW + timedelta(minutes=5)).failed == 0  # backoff: not due yet
        assert drain(repo, targets, policy, now=NOW + timedelta(minutes=11)).failed == 1  # retried after 10 min
        last = drain(repo, targets, policy, now=NOW + timedelta(hours=1))  # third failure: dead
        assert last.dead == 2 and last.failed == 1
        assert [r[6] for r in repo.deliveries("dead")] == ["dead", "dead"]
        assert len(mailbox.messages) == 1  # the working target got its message once, whatever the other did
    errors = [r[0] for r in run_query(db_path, "select last_error from deliveries where status = 'dead'")[1]]
    assert errors and all("Pw-8c1d2e" not in e for e in errors)
    leaked = run_query(db_path, "select count(*) from deliveries where target_label like '%Pw-8c1d2e%'")[1]
    assert leaked == [(0,)]


def test_a_dead_delivery_tells_the_fallback_tag_once(db_path: Path, tmp_path: Path) -> None:
    with MailSink() as ops:
        config = tmp_path / "apprise.yml"
        config.write_text(f"urls:\n  - {DEAD}:\n    - tag: cchc\n  - {ops.url}:\n    - tag: vanhanh\n",
                          encoding="utf-8")
        config.chmod(0o600)
        targets = load_targets([], _delivery(tmp_path, config))
        policy = _policy(operators=["vanhanh"], delivery={"max_attempts": 1})
        with Repository(db_path) as repo:
            repo.queue_alerts(ARTICLE_ALERTS[:1])
            assert drain(repo, targets, policy, now=NOW).dead == 1
            drain(repo, targets, policy, now=NOW + timedelta(minutes=1))
            drain(repo, targets, policy, now=NOW + timedelta(hours=2))
        assert [str(m["Subject"]) for m in ops.messages] == [
            "Không gửi được cảnh báo sau 1 lần: mailto://127.0.0.1 [cchc]"]


def _pending(rule: str, tags: tuple[str, ...], province: str | None, operator: bool = False) -> PendingAlert:
    return PendingAlert("k", "t", "b", 0, rule, "a", "info", tags, province, {}, operator)


def test_routing_follows_tags_subscriptions_and_keeps_operator_notices_from_leaders() -> None:
    def target(name: str, *tags: str) -> Target:
        return Target(name, name, frozenset(tags), "mailto", None, f"mailto://{name}")

    default, leader, team, ops = target("d"), target("l", "lanhdao"), target("c", "cchc"), target("o", "vanhanh")
    digest_only = target("g", "bantin")
    policy = _policy(operators=["vanhanh"], recipients=[
        {"tag": "lanhdao", "provinces": ["Hậu Giang"], "mode": "both"}, {"tag": "bantin", "mode": "digest"}])
    everyone = [default, leader, team, ops, digest_only]
    assert route(_pending("new_plan", ("lanhdao", "cchc", "bantin"), "Cần Thơ"), everyone, policy) == [
        default, leader, team]  # Hậu Giang was merged into Cần Thơ; the digest-only tag waits for the morning
    assert route(_pending("new_plan", ("lanhdao", "cchc"), "Đồng Tháp"), everyone, policy) == [default, team]
    assert route(_pending("source_gone", (), None, operator=True), everyone, policy) == [default, ops]


def test_source_notices_of_a_cycle_reach_operators_as_one_message(db_path: Path, tmp_path: Path) -> None:
    with MailSink() as ops:
        targets = load_targets([ops.url], _delivery(tmp_path))
        notices = [AlertCandidate(f"source_gone:s{i}:never", "source_gone", f"Nguồn đã bị gỡ: s{i}", "b", None,
                                  "warning", (), None, {"summary": f"s{i}", "links": []}, operator=True)
                   for i in range(81)]
        with Repository(db_path) as repo:
            repo.queue_alerts(notices)
            assert drain(repo, targets, _policy(), now=NOW).sent == 1
        (message,) = ops.messages
        assert str(message["Subject"]) == "Vận hành: 81 thông báo về nguồn tin"


def test_the_apprise_configuration_must_be_private_and_valid(tmp_path: Path) -> None:
    config = tmp_path / "apprise.yml"
    config.write_text("urls:\n  - mailto://u:Pw-x9@127.0.0.1:9?from=m@b.vn&to=a@b.vn:\n    - tag: cchc\n", encoding="utf-8")
    config.chmod(0o644)
    with pytest.raises(ConfigError, match="readable by its owner only") as info:
        load_targets([], _delivery(tmp_path, config))
    assert "Pw-x9" not in str(info.value)
    config.chmod(0o600)
    (one,) = load_targets([], _delivery(tmp_path, config))
    assert one.tags == {"cchc"} and "Pw-x9" not in one.label and "Pw-x9" not in repr(one)


KILLER = textwrap.dedent("""
    import os, signal, sys
    from datetime import datetime, UTC
    from alerts import drain, load_targets
    from alerts.deliver import send
    from alerts.policy import Policy
    from cchc_monitor.config import DeliveryConfig
    from pathlib import Path
    from storage.repository import Repository
    db, url, kill_after = sys.argv[1], sys.argv[2], int(sys.argv[3])
    sent = []
    def sender(target, message):
        send(target, message.title, message.body, html_body=message.html)
        sent.append(message.title)
        if len(sent) == kill_after:
            os.kill(os.getpid(), signal.SIGKILL)  # after the answer, before the mark
    tmp = Path(db).parent
    targets = load_targets([url], DeliveryConfig(None, None, "http://127.0.0.1:9", "http://127.0.0.1:9",
                                                 "http://127.0.0.1:9", tmp / "z.json", 5.0))
    policy = Policy.model_validate({"rules": []})
    with Repository(db) as repo:
        drain(repo, targets, policy, now=datetime.now(UTC), sender=sender)
""")


def test_a_kill_between_the_answer_and_the_mark_repeats_at_most_that_one_message(db_path: Path,
                                                                                   mailbox: MailSink) -> None:
    alerts = [_alert(f"b:{i}", f"a{i}", f"{i} hồ sơ trễ hạn", tags=()) for i in range(5)]
    with Repository(db_path) as repo:
        repo.queue_alerts(alerts)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    killed = subprocess.run([sys.executable, "-c", KILLER, str(db_path), mailbox.url, "3"], env=env,
                            capture_output=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    again = subprocess.run([sys.executable, "-c", KILLER, str(db_path), mailbox.url, "0"], env=env,
                           capture_output=True, timeout=120)
    assert again.returncode == 0, again.stderr
    subjects = [str(m["Subject"]) for m in mailbox.messages]
    assert sorted(set(subjects)) == sorted(f"{i} hồ sơ trễ hạn" for i in range(5))  # nothing lost
    assert len(subjects) == 6  # the message in flight at the kill was sent twice; no other one was


def test_the_same_url_from_the_environment_and_the_file_is_one_target(tmp_path: Path, mailbox: MailSink) -> None:
    config = tmp_path / "apprise.yml"
    config.write_text(f"urls:\n  - {mailbox.url}:\n    - tag: cchc\n", encoding="utf-8")
    config.chmod(0o600)
    assert len(load_targets([mailbox.url], _delivery(tmp_path, config))) == 1


def test_dead_notices_of_a_cycle_reach_operators_as_one_message_and_a_retry_starts_afresh(
        db_path: Path, tmp_path: Path) -> None:
    with MailSink() as ops:
        config = tmp_path / "apprise.yml"
        config.write_text(f"urls:\n  - {DEAD}:\n    - tag: cchc\n  - {ops.url}:\n    - tag: vanhanh\n",
                          encoding="utf-8")
        config.chmod(0o600)
        targets = load_targets([], _delivery(tmp_path, config))
        policy = _policy(operators=["vanhanh"], delivery={"max_attempts": 1})
        alerts = [_alert(f"b:{i}", f"a{i}", f"{i} hồ sơ") for i in range(5)]
        with Repository(db_path) as repo:
            repo.queue_alerts(alerts)
            assert drain(repo, targets, policy, now=NOW).dead == 5
            drain(repo, targets, policy, now=NOW + timedelta(minutes=1))
            assert [str(m["Subject"]) for m in ops.messages] == ["Vận hành: 5 thông báo về nguồn tin"]
            dead_id = repo.deliveries("dead")[0][0]
            assert repo.retry_delivery(dead_id)
            assert [r[7] for r in repo.deliveries() if r[0] == dead_id] == [0]  # attempts start again
            later = datetime.now(UTC) + timedelta(minutes=1)  # a retry is due from the moment it is asked for
            assert drain(repo, targets, policy, now=later).dead == 1  # it died again ...
            drain(repo, targets, policy, now=later + timedelta(minutes=1))
        assert len(ops.messages) == 2  # ... and the operators hear of it again


class _Stalling:
    """An SMTP handler that accepts a message and stays silent until the test releases it."""

    def __init__(self) -> None:
        import threading

        self.entered, self.release = threading.Event(), threading.Event()
        self.subjects: list[str] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        import asyncio
        import email
        import email.policy

        self.entered.set()
        await asyncio.get_running_loop().run_in_executor(None, self.release.wait)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)  # type: ignore[attr-defined]
        self.subjects.append(str(message["Subject"]))
        return "250 OK"


def test_a_silent_smtp_server_never_holds_the_database(db_path: Path, tmp_path: Path) -> None:
    import threading

    from aiosmtpd.controller import Controller

    from alerts import deliver
    from cchc_monitor.demo.mailsink import _free_port

    handler, port = _Stalling(), _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        targets = load_targets([f"mailto://127.0.0.1:{port}?from=a@x.vn&to=b@x.vn"], _delivery(tmp_path))
        with Repository(db_path) as repo:
            repo.queue_alerts([_alert(f"b:{i}", f"a{i}", f"{i} hồ sơ trễ hạn", tags=()) for i in range(10)])
        reports = []
        sender = threading.Thread(target=lambda: reports.append(deliver(lambda: Repository(db_path), targets,
                                                                         _policy(), now=NOW)))
        sender.start()
        assert handler.entered.wait(timeout=60)  # the first message is in flight, the server silent
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        sql = subprocess.run([sys.executable, "-c", "from cchc_monitor.cli import app; app()", "sql",
                              "select count(*) AS pending from deliveries where status = 'pending'",
                              "--db", str(db_path), "--format", "csv"], env=env, capture_output=True, text=True,
                             timeout=120)
        with Repository(db_path) as repo:  # and a writer gets in at once (no wait: a held file is refused)
            repo.queue_alerts([_alert("late:1", "late", "a write while a target is silent", tags=())])
        handler.release.set()
        sender.join(timeout=120)
    finally:
        handler.release.set()
        controller.stop()
    assert sql.returncode == 0, sql.stderr
    assert sql.stdout.split() == ["pending", "10"]
    assert reports[0].sent == 10 and sorted(handler.subjects) == sorted(f"{i} hồ sơ trễ hạn" for i in range(10))
    assert len(set(handler.subjects)) == len(handler.subjects)  # none twice


def test_a_flood_is_capped_per_cycle_with_one_operator_notice_and_nothing_lost(db_path: Path, mailbox: MailSink,
                                                                              tmp_path: Path) -> None:
    from storage.adhoc import run_query as query

    one_article = [_alert(f"b:{i}", "big", f"{i} hồ sơ trễ hạn", tags=()) for i in range(2000)]
    others = [_alert(f"o:{i}", f"o{i}", f"{i} hồ sơ", tags=()) for i in range(5)]
    targets = load_targets([mailbox.url], _delivery(tmp_path))
    policy = _policy(delivery={"max_messages_per_cycle": 3, "max_alerts_per_article": 10})
    with Repository(db_path) as repo:
        repo.queue_alerts(one_article + others)
        first = drain(repo, targets, policy, now=NOW)
    assert first.sent == 3 and first.held == 3 and first.held_alerts == 3  # 2,000 figures: one message
    assert len(mailbox.messages) == 3
    big = next(m for m in mailbox.messages if "(+1999 cảnh báo)" in str(m["Subject"]))
    assert big.get_body(preferencelist=("plain",)).get_content().count("hồ sơ trễ hạn") <= 2 * 10 + 1  # 10 listed (title and quote), the subject
    reasons = first.targets[targets[0].id].reasons
    assert reasons == ["3 messages (3 alerts) held back by the cap of 3 per cycle; they stay pending"]
    (pending,), = query(db_path, "SELECT count(*) FROM alerts WHERE status = 'pending' AND NOT operator").rows
    (notices,), = query(db_path, "SELECT count(*) FROM alerts WHERE rule = 'delivery_held_back'").rows
    assert (pending, notices) == (3, 1)  # held back, visible in `alerts list`; one notice saying so
    with Repository(db_path) as repo:
        second = drain(repo, targets, policy, now=NOW + timedelta(minutes=1))
        third = drain(repo, targets, policy, now=NOW + timedelta(minutes=2))
    assert (second.sent, second.held, third.sent, third.held) == (4, 0, 0, 0)  # the 3 held back and the notice
    subjects = [str(m["Subject"]) for m in mailbox.messages]
    assert len(subjects) == len(set(subjects)) == 7
    assert any(s.startswith("Đã hoãn 3 tin cảnh báo") for s in subjects)


def test_a_delivery_with_nothing_due_opens_the_store_once_and_still_counts_what_waits(
        db_path: Path, mailbox: MailSink, tmp_path: Path) -> None:
    from contextlib import contextmanager

    from alerts import deliver

    targets = load_targets([mailbox.url, DEAD], _delivery(tmp_path))
    with Repository(db_path) as repo:
        repo.queue_alerts(ARTICLE_ALERTS)
        first = drain(repo, targets, _policy(), now=NOW)
        assert (first.sent, first.failed) == (2, 2)  # the dead target's two wait for their retry
    opened = []

    @contextmanager
    def window():  # type: ignore[no-untyped-def]
        opened.append(1)
        with Repository(db_path) as repo:
            yield repo

    report = deliver(window, targets, _policy(), now=NOW + timedelta(seconds=1))  # before any retry is due
    assert (report.sent, report.failed, len(opened)) == (0, 0, 1)
    with Repository(db_path) as repo:
        assert report.queued == repo.pending_count() >= 1
