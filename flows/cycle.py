"""The monitoring cycle as a Prefect flow: wiring only (scrapers → analysis → dedup → storage → alerts).

Every decision lives in the room that owns it and is tested there without Prefect; this module
holds the tasks, their retry policy, submit/result, the short database windows and logging.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.utilities.annotations import quote

import scrapers
from alerts import (
    DeliveryReport,
    Policy,
    Target,
    deliver,
    evaluate,
    history_wanted,
    load_policy,
    load_targets,
    missing_plans,
    source_broken,
)
from cchc_monitor.config import CycleConfig
from cchc_monitor.dates import VIETNAM
from cchc_monitor.models import ArticleRecord, CycleSummary, SourceSpec
from cchc_monitor.settings import Secrets
from dedup import STORY_WINDOW_DAYS
from dedup.placement import Placed, RecentPrints, backfill_bands, place
from flows.stream import Batch, cpu_pool, stream
from storage.lock import cycle_lock, delivery_lock
from storage.repository import Repository

PROGRESS = logging.getLogger("cchc_monitor.progress")  # stage events; the CLI shows them, Prefect does not store them
PROGRESS.propagate = False
T = TypeVar("T")


@task(name="discover", cache_policy=NONE)
def discover_sources(sweep: scrapers.Sweep, specs: list[SourceSpec], validators: dict[str, dict[str, str]],
                     pages: int, known_urls: Callable[[list[str]], set[str]]) -> scrapers.Collected:
    """Every source's feed or listing, hosts in parallel (transient failures retried within the task);
    each link claimed once, a source answering 410 Gone paused. One broken source is a fact, not a crash."""
    return scrapers.collect(sweep.discover(specs, validators, pages,
                                           progress=lambda done, total: _seen(None, "discover", done, total)),
                            known_urls)


@task(name="fetch-analyse-store", cache_policy=NONE)
def fetch_analyse_store(sweep: scrapers.Sweep, config: CycleConfig, summary: CycleSummary,
                        collected: scrapers.Collected, validators: dict[str, dict[str, str]], policy: Policy,
                        recent: RecentPrints) -> Batch:
    """Every new article page, as it arrives, extracted and analysed on every core, then placed and written
    in batches (`recent`: the fingerprints placed so far); returns the last, partial batch for the cycle's
    final write."""
    pages = sum(len(items) for _, items in collected.work)
    done = iter(range(1, pages + 1))
    fetched = (_seen(f, "fetch", next(done), pages) for f in sweep.fetch(collected.work, validators))
    with cpu_pool(config.cpu_workers, pages) as pool:
        return stream(fetched, pool, config.cpu_workers, config.batch_size,
                      lambda batch: store_articles(config, summary, batch, policy, recent))


def new_run_id() -> str:
    return datetime.now(VIETNAM).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


@flow(name="monitor-cycle", log_prints=False)
def monitor_cycle(config: CycleConfig) -> CycleSummary:
    """One cycle: discover, fetch new articles, analyse, place in stories, store, detect, deliver.

    `config` carries no secret (Prefect stores flow parameters): the delivery targets are read here,
    from this process's environment. The database is opened only for short reads and the final
    write, never while fetching, so ad-hoc queries wait only for those moments. A second cycle on
    the same file is skipped (CycleBusyError) before it fetches anything.
    """
    with ExitStack() as held:
        held.enter_context(cycle_lock(config.db_path))
        return _cycle(config, release=held.close)  # the lock goes before sending (step 6)


def _cycle(config: CycleConfig, release: Callable[[], None] = lambda: None) -> CycleSummary:
    """The numbered steps of one cycle, under the cycle lock."""
    logger, summary = get_run_logger(), CycleSummary(new_run_id())
    lap = Laps(summary)
    policy = load_policy(config.delivery.alerts_file)
    targets = load_targets(Secrets.load().notify_url_list(), config.delivery)  # never a parameter, never logged
    # 1. the sources to read: enabled ones, or those named by a backfill
    specs = scrapers.select_sources(
        scrapers.load_sources(config.sources_file, default_max_items=config.max_items_per_source),
        config.only_sources, config.sources_file)
    with Repository(config.db_path) as repo:
        repo.begin_run(summary.run_id, specs)
        paused, known_validators = set(repo.paused_sources()), repo.validators(s.url for s in specs)
        polls = repo.poll_state(s.id for s in specs) if config.polling.adaptive else {}
        scrapers.shared_robots().load(repo.robots_rules(), time.monotonic(), time.time())  # kept for 24 h
        backfill_bands(repo)  # older articles' story keys, before this cycle places any
    specs, summary.sources_paused = scrapers.skip_paused(specs, paused, named=bool(config.only_sources))
    specs, summary.sources_not_due = scrapers.due_sources(specs, {k: due for k, (_, due) in polls.items()},
                                                          datetime.now(UTC), named=bool(config.only_sources))
    # 2-3. discover every source, hosts in parallel; claim each link once per cycle (stored ones need no
    #      fetch, except recent articles read again with their validators); a 410 Gone pauses its source
    #      (a backfill reads past the first page, so it must not stop at a 304 for that page)
    revisits: dict[str, dict[str, str]] = {}
    recent = RecentPrints()  # the batches' fingerprints, for the next batches' candidates
    with scrapers.Sweep(config.fetch, config.retry, connections=config.connections) as sweep:
        # quote(): Prefect would walk every element of a parameter looking for futures (seconds for 100,000)
        collected = discover_sources(sweep, quote(specs), quote({} if config.pages > 1 else known_validators),
                                     config.pages, _links_needing_no_fetch(config, revisits))  # type: ignore[call-overload]  # Prefect unwraps quote()
        lap("discover")
        count_discovery(summary, collected)
        for failure in summary.failures:
            logger.info("source %s failed: %s", failure.source, failure.detail)
        # 4-5. fetch the new articles as a stream: extracted and analysed on every core, placed in stories
        #      and written (with their alerts) in batches; the rest of the cycle's facts in the last write
        last = fetch_analyse_store(sweep, config, summary, quote(collected), quote(revisits),  # type: ignore[call-overload]  # Prefect unwraps quote()
                                   policy, recent)
    lap("fetch, analyse and store")
    summary.articles_failed, summary.articles_not_modified = last.failed, last.not_modified
    collected.fetch_log.extend(last.log)
    collected.validators.update(last.validators)
    # 5-6. the last write (the cycle's own facts too) and delivery; then the run's report
    store_and_deliver(config, summary, last.records, collected, polls, policy, targets, release=release,
                      recent=recent)
    create_markdown_artifact(summary.markdown(), key="cchc-cycle", description=f"CCHC cycle {summary.run_id}")
    logger.info("cycle %s: %s", summary.run_id, summary.as_dict())
    return summary


def store_and_deliver(config: CycleConfig, summary: CycleSummary, records: list[ArticleRecord],
                      collected: scrapers.Collected, polls: dict[str, tuple[float, datetime]], policy: Policy,
                      targets: list[Target], batches: tuple[str, ...] = (), *,
                      release: Callable[[], None] = lambda: None, recent: RecentPrints | None = None) -> None:
    """Steps 5 and 6 of a cycle (also the merge of shards' batches, which `batches` names).

    5. one write window: place in stories, evaluate the rules (against earlier reports), store the
       articles and their alerts together (the outbox), queue source notices and missing plans;
       then `release` lets the cycle lock go;
    6. deliver what is due, earlier cycles' alerts included, with no database or cycle lock held
       while a target is being sent to (deliver_due).
    """
    lap = Laps(summary)
    repo = Repository(config.db_path)  # kept open for delivery's first window (deliver_due closes it)
    try:
        backfill_bands(repo)
        _store(repo, config, summary, Batch(records, collected.fetch_log, collected.validators), policy,
               collected.pause, batches, recent)
        repo.prune_bands(datetime.now(VIETNAM) - timedelta(days=STORY_WINDOW_DAYS))
        repo.record_polls(summary.run_id, _poll_decisions(collected, polls, config) if config.polling.adaptive else [])
        repo.queue_alerts([c for h in repo.source_health(f.source for f in summary.failures) for c in source_broken(h)]
                          + missing_plans(policy, repo.watched_provinces, repo.planned_provinces(),
                                          datetime.now(VIETNAM).date()))
        repo.keep_robots(scrapers.shared_robots().export(time.monotonic(), time.time()))
        lap("store")
        release()
    except BaseException:
        repo.close()
        raise
    _count_delivery(summary, deliver_due(config, policy, targets, held=repo))
    lap("deliver")
    with Repository(config.db_path, wait_for_writer=True) as repo:
        repo.finish_run(summary.run_id, summary.as_dict())


def store_articles(config: CycleConfig, summary: CycleSummary, batch: Batch, policy: Policy,
                   recent: RecentPrints | None = None) -> None:
    """One full batch of the stream in one short write window (the cycle lock is held throughout)."""
    with Repository(config.db_path) as repo:
        _store(repo, config, summary, batch, policy, recent=recent)


def _store(repo: Repository, config: CycleConfig, summary: CycleSummary, batch: Batch, policy: Policy,
           pause: dict[str, str] | None = None, batches: tuple[str, ...] = (), recent: RecentPrints | None = None
           ) -> None:
    """Place a batch's articles in stories, evaluate the rules (against earlier reports, earlier batches
    of this cycle included) and write articles, alerts (the outbox), log lines and validators together."""
    placed = place(repo, batch.records, recent)
    _count_placement(summary, placed)
    changed = [*placed.fresh, *placed.revised]
    repo.load_history(*history_wanted(changed, policy, config.backlog_threshold))  # one read, not one per figure
    new, _ = repo.store_batch(summary.run_id, batch.log, placed.fresh,
                              [c for r in changed for c in evaluate(r, policy, repo, config.backlog_threshold)],
                              batch.validators, pause, placed.revised, batches)
    summary.articles_new += new
    summary.facts += sum(len(r.analysis.facts) for r in changed)
    summary.facts_by_kind = dict(Counter(summary.facts_by_kind) + Counter(f.kind for r in changed
                                                                          for f in r.analysis.facts))


def deliver_due(config: CycleConfig, policy: Policy, targets: list[Target], held: Repository | None = None
                ) -> DeliveryReport:
    """Step 6 under the delivery lock (one sender at a time): the database is opened only to read what is
    due and to record each answer, so a slow target never holds it. When another process is delivering,
    this cycle's alerts stay pending for the next drain. `held`: the cycle's last write window, still open,
    which serves as the first window here and is closed with it (one opening less per cycle)."""
    windows = _windows(config, held)
    try:
        with delivery_lock(config.db_path) as mine:
            if mine:
                return deliver(windows, targets, policy, now=datetime.now(UTC))
        get_run_logger().warning("another process is delivering alerts from %s; this cycle's alerts wait "
                                 "for the next delivery", config.db_path)
        with windows() as repo:
            return DeliveryReport(queued=repo.pending_count())
    finally:
        if held is not None:  # never left open by a failure before its window (closing twice is nothing)
            held.close()


def _windows(config: CycleConfig, held: Repository | None) -> Callable[[], AbstractContextManager[Repository]]:
    """Delivery's short windows on the database: the first is `held` when given, each is closed as it ends."""
    first = [held] if held is not None else []

    @contextmanager
    def window() -> Iterator[Repository]:
        repo = first.pop() if first else Repository(config.db_path, wait_for_writer=True)
        try:
            yield repo
        finally:
            repo.close()

    return window


def _seen(result: T, stage: str, done: int, total: int) -> T:
    """Tell whoever watches this process (the CLI's progress display) that one more item of a stage is done."""
    PROGRESS.info("%s %d/%d", stage, done, total, extra={"stage": stage, "done": done, "total": total})
    return result


class Laps:
    """Records in the summary how long each stage took, since the previous lap (or since it was made)."""

    def __init__(self, summary: CycleSummary) -> None:
        self.summary, self.last = summary, time.monotonic()

    def __call__(self, stage: str) -> None:
        now = time.monotonic()
        self.summary.timings[stage] = round(now - self.last, 3)
        self.last = now


def _links_needing_no_fetch(config: CycleConfig, revisits: dict[str, dict[str, str]]
                            ) -> Callable[[list[str]], set[str]]:
    """Stored links, except articles recent enough to be read again (edits) and not read within
    CCHC_REVISIT_HOURS, whose validators go into `revisits` so that an unchanged page answers 304; one short read."""
    now = datetime.now(VIETNAM)
    revisit_since, read_before = now - timedelta(days=config.revisit_days), now - timedelta(hours=config.revisit_hours)

    def lookup(urls: list[str]) -> set[str]:
        if not urls:  # every feed unchanged: no window to open
            return set()
        with Repository(config.db_path) as repo:
            recent = set(repo.stored_articles(urls, since=revisit_since))
            due = recent - repo.read_since(recent, read_before) if config.revisit_hours > 0 else recent
            revisits.update(repo.validators(due))
            return repo.known_article_urls(urls) - due

    return lookup


def count_discovery(summary: CycleSummary, collected: scrapers.Collected) -> None:
    summary.sources_tried, summary.sources_failed = collected.tried, len(collected.failures)
    summary.failures, summary.articles_duplicate = collected.failures, collected.duplicates


def _poll_decisions(collected: scrapers.Collected, polls: dict[str, tuple[float, datetime]], config: CycleConfig
                    ) -> list[tuple[str, int, int, float, str]]:
    """Adaptive polling's decision for every source this cycle read (a failed one keeps its interval)."""
    failed = {f.source for f in collected.failures}
    out = []
    for source in [*collected.listed, *sorted(failed)]:
        listed, new = collected.listed.get(source, (0, 0))
        d = scrapers.decide(source, listed, new, polls[source][0] if source in polls else None, config.polling,
                            failed=source in failed)
        out.append((d.source_id, d.listed, d.new, d.interval_hours, d.reason))
    return out


def _count_delivery(summary: CycleSummary, report: DeliveryReport) -> None:
    summary.alerts_sent, summary.alerts_failed, summary.alerts_queued = report.sent, report.failed, report.queued
    summary.alerts_dead, summary.deliveries = report.dead, list(report.targets.values())


def _count_placement(summary: CycleSummary, placed: Placed) -> None:
    summary.stories_new += placed.stories_new
    summary.story_copies += placed.story_copies
    summary.articles_revised += len(placed.revised)
    summary.articles_unchanged += placed.unchanged
