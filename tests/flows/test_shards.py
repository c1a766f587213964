"""Past one machine: a real local Prefect server, a process work pool and two workers run a sharded cycle
over loopback portals; the merged database equals a single-process run's, and merging is idempotent."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cchc_monitor.demo.portal import DemoPortal
from cchc_monitor.settings import Settings
from flows.server import local_server
from scrapers.batch import shard_of
from tests.helpers import ROOT, query, write_sources

pytestmark = pytest.mark.flow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def two_portals() -> Iterator[tuple[DemoPortal, DemoPortal]]:
    with DemoPortal() as first, DemoPortal() as second:
        yield first, second


def _sources(tmp_path: Path, portals: tuple[DemoPortal, DemoPortal]) -> Path:
    entries = []
    for n, portal in enumerate(portals):
        entries += [{"id": f"p{n}-rss", "name": f"Cổng {n} RSS", "province": "Đồng Tháp", "kind": "rss",
                     "url": portal.feed_url},
                    {"id": f"p{n}-cchc", "name": f"Cổng {n} CCHC", "province": "Đồng Tháp", "kind": "listing",
                     "url": portal.listing_url, "link_selector": ".news-list a.title"}]
    assert {shard_of(e["id"], 2) for e in entries} == {0, 1}  # both shards have work
    return write_sources(tmp_path / "sources.yaml", entries)


def _contents(db: Path) -> dict[str, object]:
    return {
        "articles": query(db, "select url, title, category from articles order by url"),
        "facts": query(db, "select a.url, f.kind, f.value, f.phrase from facts f join articles a on a.id = f.article_id "
                           "order by 1, 2, 3, 4"),
        "alerts": query(db, "select rule, title from alerts order by rule, title"),
        "stories": query(db, "select count(*) from story_clusters"),
        # every URL read (a link listed by sources of two shards is fetched by both, stored once)
        "fetched": query(db, "select distinct url from fetch_log where ok order by url"),
    }


def _stopped(worker: subprocess.Popen[bytes]) -> None:
    """Wait for a terminated Prefect worker; one still draining its events after 30 s is killed with its
    session (it once outlived SIGTERM by more than 30 s after every run had finished, failing the test)."""
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)


def test_a_sharded_cycle_on_two_workers_equals_a_single_process_run(tmp_path: Path,
                                                                    two_portals: tuple[DemoPortal, DemoPortal]) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.cycle import monitor_cycle
    from flows.shard import ingest, monitor_shard, monitor_sharded

    sources = _sources(tmp_path, two_portals)
    settings = dict(sources_file=sources, host_delay=0.0, retry_delay=0.0, fetch_retries=0,
                    zalo_token_file=tmp_path / "z.json")
    sharded = Settings.load(db_path=tmp_path / "sharded.duckdb", **settings).cycle_config()
    single = Settings.load(db_path=tmp_path / "single.duckdb", **settings).cycle_config()
    staging = tmp_path / "staging"
    port = _free_port()
    with local_server(tmp_path / "prefect", port) as api, temporary_settings({PREFECT_API_URL: api}):
        env = {**os.environ, "PREFECT_API_URL": api, "PREFECT_HOME": str(tmp_path / "worker-home"),
               "PYTHONPATH": str(ROOT), "PREFECT_WORKER_QUERY_SECONDS": "1", "PREFECT_LOGGING_LEVEL": "WARNING"}
        subprocess.run([sys.executable, "-m", "prefect", "work-pool", "create", "shards", "--type", "process"],
                       env=env, check=True, capture_output=True, timeout=120)
        monitor_shard.from_source(str(ROOT), "flows/shard.py:monitor_shard").deploy(
            "shard", work_pool_name="shards", build=False, push=False, print_next_steps=False)
        workers = [subprocess.Popen([sys.executable, "-m", "prefect", "worker", "start", "--pool", "shards",
                                     "--limit", "1"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True) for _ in range(2)]
        try:
            started = time.monotonic()
            summary = monitor_sharded(sharded, shards=2, staging=str(staging), timeout=300)
            print(f"\nsharded cycle on 2 workers: {time.monotonic() - started:.1f} s")
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                _stopped(worker)
        assert len(list(staging.glob("*.parquet"))) == 2  # one batch per shard
        assert summary.sources_tried == 4 and summary.articles_new == 8  # 4 articles on each of 2 portals
        started = time.monotonic()
        reference = monitor_cycle(single)
        print(f"single-process cycle: {time.monotonic() - started:.1f} s")
        assert (reference.articles_new, reference.story_copies) == (8, summary.story_copies) == (8, 4)
        assert _contents(tmp_path / "sharded.duckdb") == _contents(tmp_path / "single.duckdb")

        # merging the same batches again changes nothing; a shard that died mid-write left only a .part file
        before = _contents(tmp_path / "sharded.duckdb")
        (staging / "dead-shard-001.parquet.part").write_bytes(b"half a file")
        (staging / "damaged-000.parquet").write_bytes(b"not parquet")  # skipped with a warning, others go on
        again = ingest(sharded, str(staging))
        assert again.articles_new == 0 and again.sources_tried == 0
        assert _contents(tmp_path / "sharded.duckdb") == before
        assert query(tmp_path / "sharded.duckdb", "select count(*) from ingested_batches") == [(2,)]
