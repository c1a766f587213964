"""Past one machine: sources sharded over flow runs through a Prefect work pool, each shard writing a
Parquet batch, one ingest step merging the batches into DuckDB once (docs/scaling.md). Wiring only."""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from prefect import flow, get_client, get_run_logger
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment
from prefect.utilities.asyncutils import run_coro_as_sync

import analysis
import scrapers
from alerts import load_policy, load_targets
from cchc_monitor.config import CycleConfig
from cchc_monitor.errors import ScrapeError, StorageError
from cchc_monitor.models import ArticleRecord, CycleSummary, ExtractedArticle, FetchRecord
from cchc_monitor.settings import Secrets
from flows.cycle import count_discovery, new_run_id, store_and_deliver
from scrapers.batch import from_batch, merge, shard_of, to_batch
from storage.lock import cycle_lock
from storage.repository import Repository
from storage.staging import batch_id_of, finished_batches, read_batch, write_batch

SHARD_DEPLOYMENT = "monitor-shard/shard"
FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


@flow(name="monitor-shard")
def monitor_shard(config: CycleConfig, shard: int, shards: int, staging: str, run_id: str) -> str:
    """Discover and fetch the sources of shard `shard` of `shards`, and write what they gave as one
    batch in `staging`; it reads no database, so it runs on any machine with the project."""
    specs = [s for s in scrapers.select_sources(
        scrapers.load_sources(config.sources_file, default_max_items=config.max_items_per_source),
        config.only_sources, config.sources_file) if shard_of(s.id, shards) == shard]
    articles: list[tuple[str, ExtractedArticle]] = []
    with scrapers.Sweep(config.fetch, config.retry, connections=config.connections) as sweep:
        collected = scrapers.collect(sweep.discover(specs, {}, config.pages), lambda urls: set())
        for fetched in sweep.fetch(collected.work, {}):
            if fetched.page is not None:
                try:
                    articles.append((fetched.spec.id, scrapers.extract_page(
                        fetched.page.text, fetched.page.final_url, fetched.item, fetched.spec)))
                except ScrapeError as exc:
                    fetched = replace(fetched, record=FetchRecord(fetched.spec.id, fetched.item.url, False,
                                                                  exc.reason, str(exc)))
            collected.fetch_log.append(fetched.record)
    return str(write_batch(Path(staging), f"{run_id}-{shard:03d}", to_batch(collected, articles)))


@flow(name="monitor-sharded")
def monitor_sharded(config: CycleConfig, shards: int, staging: str, deployment: str = SHARD_DEPLOYMENT,
                    timeout: float = 3600.0) -> CycleSummary:
    """One cycle spread over `shards` flow runs of the shard deployment (any worker of its pool, on any
    machine), then one merge of their batches into the database."""
    run_id = new_run_id()
    runs = [run_deployment(deployment, parameters={"config": config, "shard": i, "shards": shards,
                                                   "staging": staging, "run_id": run_id},
                           timeout=0, as_subflow=False) for i in range(shards)]
    _wait([run.id for run in runs if isinstance(run, FlowRun)], timeout)  # sync call: FlowRun objects
    return ingest(config, staging, run_id)


def _wait(run_ids: list[object], timeout: float) -> None:
    """Until every shard's flow run has ended (a failed shard's batch is simply missing)."""
    async def states() -> set[str]:
        async with get_client() as client:
            return {(await client.read_flow_run(i)).state_type.value for i in run_ids}  # type: ignore[arg-type,union-attr]  # ids are UUIDs; a run has a state

    deadline = time.monotonic() + timeout
    while not run_coro_as_sync(states()) <= FINAL:
        if time.monotonic() > deadline:
            raise StorageError(f"shards still running after {timeout:.0f} s; their batches can be merged later")
        time.sleep(1.0)


@flow(name="ingest-batches")
def ingest(config: CycleConfig, staging: str, prefix: str = "") -> CycleSummary:
    """Merge every finished batch (of the run `prefix`, or all) not merged yet; twice changes nothing."""
    with ExitStack() as held:
        held.enter_context(cycle_lock(config.db_path))
        summary = CycleSummary(new_run_id())
        policy = load_policy(config.delivery.alerts_file)
        targets = load_targets(Secrets.load().notify_url_list(), config.delivery)
        specs = scrapers.load_sources(config.sources_file, default_max_items=config.max_items_per_source)
        paths = {batch_id_of(p): p for p in finished_batches(Path(staging), prefix)}
        with Repository(config.db_path) as repo:
            waiting = sorted(set(paths) - repo.ingested(paths))  # merged batches are not even read again
            repo.begin_run(summary.run_id, specs)
        batches = {}
        for batch in waiting:
            try:
                batches[batch] = read_batch(paths[batch])[1]
            except StorageError as exc:  # one damaged file never blocks the others
                get_run_logger().warning("batch %s skipped: %s", batch, exc)
        fresh = sorted(batches)
        parts = [from_batch(batches[b]) for b in fresh]
        collected = merge([c for c, _ in parts])
        count_discovery(summary, collected)
        records: dict[str, ArticleRecord] = {}
        for source_id, article in sorted((a for _, articles in parts for a in articles), key=lambda a: a[1].url):
            record = analysis.to_record(source_id, article)
            records.setdefault(record.url, record)  # a link two shards fetched is one article
        store_and_deliver(config, summary, list(records.values()), collected, {}, policy, targets, tuple(fresh),
                          release=held.close)  # the cycle lock goes before sending
        return summary
