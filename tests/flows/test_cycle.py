"""End to end: portal pages on 127.0.0.1 → Prefect flow → DuckDB rows → e-mail through a real SMTP server."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cchc_monitor.demo.mailsink import MailSink
from cchc_monitor.demo.portal import DemoPortal
from tests.helpers import age_reads, query, run_cycle, write_sources

pytestmark = [pytest.mark.flow, pytest.mark.usefixtures("prefect_harness")]


def _sources(tmp_path: Path, portal: DemoPortal) -> Path:
    return write_sources(tmp_path / "sources.yaml", [
        {"id": "demo-rss", "name": "Demo RSS", "province": "Đồng Tháp", "kind": "rss", "url": portal.feed_url},
        {"id": "demo-cchc", "name": "Demo CCHC", "province": "Đồng Tháp", "kind": "listing",
         "url": portal.listing_url, "link_selector": ".news-list a.title"},
    ])


def test_cycle_stores_articles_facts_and_mails_alerts_once(
    tmp_path: Path, db_path: Path, portal: DemoPortal, mailbox: MailSink
) -> None:
    sources = _sources(tmp_path, portal)

    first = run_cycle(sources, db_path, [mailbox.url])

    assert (first.sources_tried, first.sources_failed) == (2, 0)
    assert first.articles_new == 4  # plan, backlog, index score, sport; the backlog story is on both sources
    assert first.articles_duplicate == 1
    rows = dict(query(db_path, "select category, count(*) from articles group by category"))
    assert rows == {"plan": 1, "backlog": 1, "index_score": 1, "not_cchc": 1}
    backlog = query(db_path, "select count, level, locality, province from v_backlog order by count")
    assert backlog == [(236, "thành phố", "thành phố Cao Lãnh", "Đồng Tháp"),
                       (412, "xã", "thành phố Cao Lãnh", "Đồng Tháp")]
    plan = query(db_path, "select number, type, date from v_documents where type = 'Kế hoạch'")
    assert plan == [("15/KH-UBND", "Kế hoạch", date(2026, 1, 12))]  # "Ngày 12/01/2026, UBND ... ban hành Kế hoạch số 15"
    # every fact carries its phrase, and the offsets point at it in the stored body
    for phrase, start, end, body in query(
        db_path, "select f.phrase, f.start_offset, f.end_offset, a.body from facts f join articles a on a.id = f.article_id"
    ):
        assert body[start:end] == phrase
    assert first.alerts_sent == 2  # one message per article: the backlog article's two figures together
    subjects = sorted(str(m["Subject"]) for m in mailbox.messages)
    assert subjects == [
        "Hồ sơ trễ hạn: 236 (thành phố) – thành phố Cao Lãnh, Đồng Tháp (+1 cảnh báo)",
        "Kế hoạch CCHC năm 2026 mới (15/KH-UBND): thành phố Sa Đéc, Đồng Tháp",
    ]
    text = "".join(MailSink.text_of(m) for m in mailbox.messages)
    assert "cấp thành phố là 236 hồ sơ" in text and "412 hồ sơ trễ hạn (xã)" in text
    assert [d.label for d in first.deliveries] == ["mailto://127.0.0.1"] and first.deliveries[0].sent == 2

    second = run_cycle(sources, db_path, [mailbox.url])

    assert second.articles_new == 0
    assert (second.articles_duplicate, second.articles_unchanged) == (1, 4)  # recent ones re-read
    assert second.alerts_sent == 0
    assert len(mailbox.messages) == 2
    assert query(db_path, "select count(*) from articles") == [(4,)]
    assert query(db_path, "select count(*) from alerts where status = 'sent'") == [(3,)]


def test_a_recent_article_is_read_again_once_per_interval_not_every_cycle(
    tmp_path: Path, db_path: Path, portal: DemoPortal
) -> None:
    sources = _sources(tmp_path, portal)
    run_cycle(sources, db_path, revisit_hours=20)

    soon = run_cycle(sources, db_path, revisit_hours=20)  # minutes later: only what is new is read
    assert (soon.articles_new, soon.articles_unchanged, soon.articles_not_modified) == (0, 0, 0)

    age_reads(db_path, hours=21)  # a day later, each recent article is read again, once
    later = run_cycle(sources, db_path, revisit_hours=20)
    assert later.articles_unchanged == 4
    again = run_cycle(sources, db_path, revisit_hours=20)
    assert again.articles_unchanged == 0

    age_reads(db_path, hours=21)
    assert run_cycle(sources, db_path, revisit_hours=0).articles_unchanged == 4  # 0: every cycle
    assert run_cycle(sources, db_path, revisit_hours=0).articles_unchanged == 4


def test_failed_delivery_stays_pending_and_is_retried_next_cycle(
    tmp_path: Path, db_path: Path, portal: DemoPortal
) -> None:
    sources = _sources(tmp_path, portal)
    sink = MailSink()  # not started yet: the first delivery finds nobody listening
    dead_url = sink.url

    no_wait = tmp_path / "alerts.yaml"  # retry at the next cycle (the shipped policy waits 10 minutes)
    no_wait.write_text("rules:\n  - {id: new_plan, kind: new_plan}\n  - {id: backlog_threshold, kind: backlog_threshold}\n"
                       "delivery: {backoff_minutes: 0}\n", encoding="utf-8")
    first = run_cycle(sources, db_path, [dead_url], alerts_file=no_wait)

    assert first.alerts_sent == 0 and first.alerts_failed == 2 and first.alerts_queued == 3
    errors = query(db_path, "select status, attempts, last_error from deliveries")
    assert len(errors) == 3 and all(s == "pending" and attempts == 1 and error for s, attempts, error in errors)
    with sink:
        second = run_cycle(sources, db_path, [dead_url], alerts_file=no_wait)
    assert second.alerts_sent == 2
    assert len(sink.messages) == 2
    assert query(db_path, "select count(*) from alerts where status = 'sent'") == [(3,)]


def test_alerts_wait_in_the_outbox_when_no_target_is_configured(
    tmp_path: Path, db_path: Path, portal: DemoPortal
) -> None:
    summary = run_cycle(_sources(tmp_path, portal), db_path, [])
    assert summary.alerts_sent == 0 and summary.alerts_queued == 3
    assert query(db_path, "select count(*) from alerts where status = 'pending'") == [(3,)]


def test_backlog_threshold_is_configurable(tmp_path: Path, db_path: Path, portal: DemoPortal) -> None:
    summary = run_cycle(_sources(tmp_path, portal), db_path, [], backlog_threshold=300)
    keys = [k for (k,) in query(db_path, "select rule from alerts order by rule")]
    assert keys == ["backlog_threshold", "new_plan"]  # 412 ≥ 300 alerts, 236 does not
    assert summary.alerts_queued == 2


def test_a_cycle_with_nothing_new_opens_the_database_four_times(
    tmp_path: Path, db_path: Path, portal: DemoPortal, mailbox: MailSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each opening costs a DuckDB catalog read and a checkpoint (tens of ms): the run's start, the lookup of
    the links its feeds gave (these answer in full, not 304), its last write (which also serves as delivery's
    first window: nothing was due, so delivery needs no other) and its end."""
    from storage.repository import Repository

    sources = _sources(tmp_path, portal)
    run_cycle(sources, db_path, [mailbox.url], revisit_hours=24.0)
    opened: list[str] = []
    real_init = Repository.__init__

    def counting(self: Repository, *args: object, **kwargs: object) -> None:
        opened.append(str(args[0]))
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Repository, "__init__", counting)
    second = run_cycle(sources, db_path, [mailbox.url], revisit_hours=24.0)
    assert second.articles_new == 0 and second.alerts_sent == 0
    assert len(opened) == 4, opened
