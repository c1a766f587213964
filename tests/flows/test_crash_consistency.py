"""Crash consistency: cycles killed (SIGKILL) at seeded moments, then one that finishes, end where an
uninterrupted cycle ends (articles, facts, alerts), with at most one repeated delivery per kill."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from cchc_monitor.demo.mailsink import MailSink
from cchc_monitor.demo.portal import DemoPortal
from cchc_monitor.demo.runner import write_sources
from tests.helpers import ROOT, query

# A cycle through the real flow in its own process, killed by itself at its Nth event: an event is the
# moment before or after opening the database, storing the batch, sending a message or marking it sent
# (so a kill lands between a message's answer and its mark, too). 0: never killed; prints its events.
CHILD = textwrap.dedent("""
    import os, signal, sys
    from pathlib import Path

    import alerts.outbox
    import storage.outbox
    import storage.repository
    from tests.helpers import run_cycle

    sources, db, url, kill_at = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    events = [0]

    def tick():
        events[0] += 1
        if events[0] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    def counted(owner, name):
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            tick()
            result = original(*args, **kwargs)
            tick()
            return result

        setattr(owner, name, wrapper)

    for owner, name in [(storage.repository.Repository, "__init__"), (storage.repository.Repository, "store_batch"),
                        (alerts.outbox, "_send"), (storage.outbox.OutboxMixin, "mark_sent")]:
        counted(owner, name)
    run_cycle(Path(sources), Path(db), [url])
    print(events[0])
""")
KILLS = 4
SEED = 16


def _cycle(sources: Path, db: Path, sink: MailSink, kill_at: int,
           env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CHILD, str(sources), str(db), sink.url, str(kill_at)], env=env,
                          capture_output=True, text=True, timeout=300)


def _state(db: Path) -> tuple[list[tuple[object, ...]], ...]:
    return (query(db, "SELECT url, title, content_sha256, cluster_id IS NOT NULL FROM articles ORDER BY url"),
            query(db, "SELECT a.url, f.fact_key, f.value FROM facts f JOIN articles a ON a.id = f.article_id "
                      "ORDER BY ALL"),
            query(db, "SELECT key, rule, status FROM alerts ORDER BY key"),
            query(db, "SELECT d.alert_key, d.status FROM deliveries d ORDER BY ALL"))


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_cycles_killed_at_seeded_moments_end_like_an_uninterrupted_one(tmp_path: Path, portal: DemoPortal) -> None:
    from prefect.settings import PREFECT_API_URL

    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CCHC_")}, "PYTHONPATH": str(ROOT),
           "PREFECT_API_URL": str(PREFECT_API_URL.value())}  # the session's test server: no start per cycle
    sources = write_sources(portal, tmp_path / "sources.yaml")
    with MailSink() as reference_mail, MailSink() as crash_mail:
        reference = _cycle(sources, tmp_path / "reference.duckdb", reference_mail, 0, env)
        assert reference.returncode == 0, reference.stderr
        events = int(reference.stdout.split()[-1])
        assert events >= 8 and reference_mail.messages  # enough moments to kill at, and alerts to send
        rng = random.Random(SEED)
        landed = 0
        for kill_at in sorted(rng.sample(range(1, events + 1), KILLS)):
            killed = _cycle(sources, tmp_path / "crash.duckdb", crash_mail, kill_at, env)
            assert killed.returncode in (-signal.SIGKILL, 0), killed.stderr  # 0: it had fewer events this time
            landed += killed.returncode == -signal.SIGKILL
        assert landed >= KILLS // 2  # most seeded moments were reached: the cycles really were killed
        final = _cycle(sources, tmp_path / "crash.duckdb", crash_mail, 0, env)
        assert final.returncode == 0, final.stderr
        assert _state(tmp_path / "crash.duckdb") == _state(tmp_path / "reference.duckdb")
        sent = Counter(str(m["Subject"]) for m in crash_mail.messages)
        expected = Counter(str(m["Subject"]) for m in reference_mail.messages)
        assert set(sent) == set(expected)  # every alert arrived
        # at most one repeat per kill (two kills may both land on the same message in flight)
        assert sum(sent.values()) - sum(expected.values()) <= KILLS, (sent, expected)
