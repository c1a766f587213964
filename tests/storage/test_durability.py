"""Durability: a writer killed with SIGKILL mid-way loses nothing it committed, and a rerun duplicates nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from storage.adhoc import run_query
from tests.helpers import ROOT

WRITER = textwrap.dedent("""
    import sys
    from analysis import analyze
    from cchc_monitor.keys import article_id, canonical_url, content_hash
    from cchc_monitor.models import AlertCandidate, ArticleRecord, SourceSpec
    from storage.repository import Repository

    db, batches = sys.argv[1], int(sys.argv[2])
    text = "Tin CCHC\\n\\nvẫn còn hồ sơ giải quyết trễ hạn (cấp xã là {n} hồ sơ)."
    with Repository(db) as repo:
        repo.begin_run(f"run-{batches}", [SourceSpec("src", "Nguồn", "rss", "https://x.gov.vn/rss")])
        for b in range(batches):
            records, alerts = [], []
            for i in range(50):
                n = b * 50 + i + 1
                url = canonical_url(f"https://x.gov.vn/tin/{n}")
                body = text.format(n=n)
                records.append(ArticleRecord(article_id(url), url, "src", f"Tin {n}", None, body,
                                             content_hash(body), "test", analyze(body, url)))
                alerts.append(AlertCandidate(f"backlog:{n}", "backlog_threshold", f"Tin {n}", body, article_id(url)))
            repo.store_batch(f"run-{batches}", [], records, alerts)
            print(f"acked {(b + 1) * 50}", flush=True)
""")


def _writer(db: Path, batches: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(batches)], stdout=subprocess.PIPE,
                            text=True, env=env)


def test_sigkill_mid_cycle_loses_nothing_committed_and_a_rerun_adds_no_duplicates(db_path: Path) -> None:
    writer = _writer(db_path, batches=400)
    acked = 0
    assert writer.stdout is not None
    while acked < 300:  # let a few batches commit, then kill without warning
        acked = int(writer.stdout.readline().split()[1])
    writer.send_signal(signal.SIGKILL)
    writer.wait()

    ((stored,),) = run_query(db_path, "select count(*) from articles")[1]
    assert stored >= acked  # every acknowledged batch survived
    ((alerts,),) = run_query(db_path, "select count(*) from alerts")[1]
    assert alerts == stored  # each article's alert was committed with it (same transaction)

    rerun = _writer(db_path, batches=8)  # the first 400 articles again
    assert rerun.wait() == 0
    ((after,),) = run_query(db_path, "select count(*) from articles")[1]
    assert after == max(stored, 400)
    ((distinct,),) = run_query(db_path, "select count(distinct url) from articles")[1]
    assert distinct == after
