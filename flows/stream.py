"""A cycle's articles as a stream: each page, as it arrives, extracted and analysed on every core (a process
pool), then placed in stories and written in batches of `batch_size`, each batch one transaction. Memory
stays bounded by the batch and the pages in flight, and a crash keeps every batch written. Wiring only."""

from __future__ import annotations

import logging
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import scrapers
from cchc_monitor.models import ArticleRecord, FetchRecord, ItemRef, SourceSpec
from flows.work import UNEXPECTED, extract_record, extract_records

LOG = logging.getLogger(__name__)
POOL_MIN_PAGES = 64  # fewer pages are extracted in the cycle's own process (a worker costs a second to start)
# what the fork server imports before forking workers (no Prefect, no CLI): the worker module and MinHash
# (flows/boot.py), and trafilatura, which the scrapers import on first use and the cycle's process never loads
WORKER_MODULES = ["flows.boot", "trafilatura"]
PAGES_PER_WORKER = 8  # pages handed to the pool and not yet back, per worker: the bound on pages in memory
CHUNK = 4  # pages sent to a worker in one hand-over while every worker has work (a lone page goes at once)

Outcome = tuple[ArticleRecord | None, FetchRecord]


@dataclass
class Batch:
    """Articles ready to write, with their fetch-log lines and the validators of their pages."""

    records: list[ArticleRecord] = field(default_factory=list)
    log: list[FetchRecord] = field(default_factory=list)
    validators: dict[str, dict[str, str]] = field(default_factory=dict)
    failed: int = 0
    not_modified: int = 0

    def add(self, outcome: Outcome, validators: dict[str, str], key: str) -> None:
        """One page's outcome; `validators` are kept under `key` (the canonical URL the sweep asked them for)."""
        record, line = outcome
        self.log.append(line)
        if record is None:
            self.failed += 1
            if line.reason == UNEXPECTED:  # a bug, not the page's fault: loud in the cycle's log
                LOG.error("source %s: unexpected error on %s: %s", line.source_id, line.url, line.detail)
            return
        self.records.append(record)
        # kept only with its article; a page that gave none is kept with none (asked in full next time): the
        # row's time says when the page was last read, which decides when it is read again (CCHC_REVISIT_HOURS)
        self.validators[key] = validators


@contextmanager
def cpu_pool(workers: int, pages: int) -> Iterator[ProcessPoolExecutor | None]:
    """A pool of `workers` processes, or None when the cycle is too small to be worth one. The workers are
    forked from a fork server that has imported WORKER_MODULES alone (the cycle's threads are never forked,
    and a worker neither imports the CLI and Prefect again nor pays the imports at all); the server stays
    for the process's next cycles (`serve`)."""
    if workers <= 1 or pages < POOL_MIN_PAGES:
        yield None
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(WORKER_MODULES)
    pool = ProcessPoolExecutor(workers, mp_context=context)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def stream(fetched: Iterable[scrapers.Fetched], pool: ProcessPoolExecutor | None, workers: int, batch_size: int,
           write: Callable[[Batch], None]) -> Batch:
    """Extract and analyse each fetched page (in `pool`, or here), hand every full batch to `write`, and
    return the last, partial one (with the cycle's failed and 304 counts) for the cycle's final write. Pages
    go to the pool one at a time while a worker is idle, CHUNK at a time while all are busy."""
    batch, total = Batch(), Batch()
    in_flight: deque[tuple[list[tuple[str, dict[str, str]]], Future[list[Outcome]]]] = deque()
    pending: list[tuple[tuple[str, dict[str, str]], tuple[SourceSpec, ItemRef, str, str, int]]] = []
    limit = PAGES_PER_WORKER * max(1, workers)

    def harvest(key: str, validators: dict[str, str], outcome: Outcome) -> None:
        nonlocal batch
        batch.add(outcome, validators, key)
        if len(batch.records) >= batch_size:
            _flush(batch, total, write)
            batch = Batch()

    def send() -> None:
        assert pool is not None
        in_flight.append(([meta for meta, _ in pending], pool.submit(extract_records, [args for _, args in pending])))
        pending.clear()

    def collect(wait: bool) -> None:
        while in_flight and (wait or in_flight[0][1].done()
                             or sum(len(m) for m, _ in in_flight) + len(pending) > limit):
            metas, future = in_flight.popleft()
            for (key, validators), outcome in zip(metas, future.result(), strict=True):
                harvest(key, validators, outcome)

    for item in fetched:
        if item.page is None:  # failed, or not modified: a log line only
            batch.log.append(item.record)
            batch.failed += not item.record.ok
            batch.not_modified += item.record.status == 304
            if item.record.status == 304 and item.asked is not None:  # still valid, read now
                batch.validators[item.key] = item.asked
        elif pool is None:
            harvest(item.key, item.page.validators, extract_record(item.spec, item.item, item.page.text,
                                                                   item.page.final_url, item.page.status))
        else:
            pending.append(((item.key, item.page.validators),
                            (item.spec, item.item, item.page.text, item.page.final_url, item.page.status)))
            if len(pending) >= CHUNK or len(in_flight) < max(1, workers):
                send()
        collect(wait=False)
    if pending:
        send()
    collect(wait=True)
    batch.failed += total.failed
    batch.not_modified += total.not_modified
    return batch


def _flush(batch: Batch, total: Batch, write: Callable[[Batch], None]) -> None:
    write(batch)
    total.failed += batch.failed
    total.not_modified += batch.not_modified
