"""The monitoring cycle as a Prefect flow: wiring only (scrapers → analysis → dedup → storage → alerts).

Every decision lives in the room that owns it and is tested there without Prefect; this module
holds the tasks, their retry policy, submit/result, the short database windows and logging.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.context import TaskRunContext
from prefect.task_runners import ThreadPoolTaskRunner

import analysis
import scrapers
from alerts import (
    DeliveryReport,
    Policy,
    Target,
    deliver,
    evaluate,
    load_policy,
    load_targets,
    missing_plans,
    source_broken,
)
from cchc_monitor.config import CycleConfig, FetchPolicy
from cchc_monitor.dates import VIETNAM
from cchc_monitor.errors import FetchError, ScrapeError
from cchc_monitor.models import ArticleRecord, CycleSummary, ExtractedArticle, FetchRecord, ItemRef, SourceSpec
from cchc_monitor.settings import Secrets
from dedup import STORY_WINDOW_DAYS
from dedup.placement import Placed, backfill_bands, place
from storage.lock import cycle_lock, delivery_lock
from storage.repository import Repository

PROGRESS = logging.getLogger("cchc_monitor.progress")  # stage events; the CLI shows them, Prefect does not store them
PROGRESS.propagate = False
T = TypeVar("T")
MAX_PARALLEL_SOURCES = 8  # sources fetched at once (each host still gets one request at a time)


def _retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a fetch only when its error says it may succeed later (timeouts, 5xx, resets)."""
    exc = state.data if isinstance(state.data, BaseException) else state.result(raise_on_failure=False)
    return bool(getattr(exc, "retryable", False))


@task(name="discover-source", cache_policy=NONE, retry_condition_fn=_retry_transient)
def discover_source(spec: SourceSpec, policy: FetchPolicy, validators: dict[str, str] | None,
                    pages: int = 1) -> scrapers.Discovery:
    """Fetch one source's feed or listing page; a failure is raised while Prefect retries remain,
    then returned as data, so one broken source is a fact to record, not a crashed task."""
    try:
        with scrapers.fetcher_for(spec, policy) as fetcher:
            return scrapers.Discovery(scrapers.discover(fetcher, spec, validators, pages))
    except ScrapeError as exc:
        context = TaskRunContext.get()
        retries_left = context is not None and context.task_run.run_count <= context.task.retries
        if isinstance(exc, FetchError) and exc.retryable and retries_left:
            raise
        return scrapers.Discovery(None, exc)


@task(name="fetch-articles", cache_policy=NONE)
def fetch_articles(spec: SourceSpec, items: list[ItemRef], policy: FetchPolicy
                   ) -> tuple[list[ExtractedArticle], list[FetchRecord]]:
    """Fetch and extract each new article of one source; a failing article is recorded, not raised."""
    with scrapers.fetcher_for(spec, policy) as fetcher:
        return scrapers.fetch_articles(fetcher, spec, items)


def new_run_id() -> str:
    return datetime.now(VIETNAM).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


@flow(
    name="monitor-cycle",
    log_prints=False,
    # prefect's flow() wants TaskRunner[PrefectFuture[Any]], invariant in the future type, so its own
    # ThreadPoolTaskRunner (a TaskRunner[PrefectConcurrentFuture[R]]) does not fit the annotation
    task_runner=ThreadPoolTaskRunner(max_workers=MAX_PARALLEL_SOURCES),  # type: ignore[arg-type]  # see above
)
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
    specs, summary.sources_paused = scrapers.skip_paused(specs, paused, named=bool(config.only_sources))
    specs, summary.sources_not_due = scrapers.due_sources(specs, {k: due for k, (_, due) in polls.items()},
                                                          datetime.now(UTC), named=bool(config.only_sources))
    # 2. discover every source concurrently; one failing source never stops the others (a backfill
    #    reads past the first page, so it must not stop at a 304 for that page)
    futures = [(s, discoverer(config).submit(s, config.fetch, None if config.pages > 1
                                             else known_validators.get(s.url), config.pages)) for s in specs]
    # 3. claim each link once per cycle; a source answering 410 Gone is paused
    collected = scrapers.collect([(s, _seen(f.result(), "discover", n, len(futures))) for n, (s, f)
                                  in enumerate(futures, start=1)], _links_needing_no_fetch(config))
    lap("discover")
    count_discovery(summary, collected)
    for failure in summary.failures:
        logger.info("source %s failed: %s", failure.source, failure.detail)
    # 4. fetch and extract the new articles of each source concurrently, then analyse them
    articles, summary.articles_failed = fetch_new(collected, config)
    records = [analysis.to_record(source_id, article) for source_id, article in articles]
    lap("fetch and analyse")
    # 5-6. store (stories, rules, outbox) and deliver; then the run's report
    store_and_deliver(config, summary, records, collected, polls, policy, targets, release=release)
    create_markdown_artifact(summary.markdown(), key="cchc-cycle", description=f"CCHC cycle {summary.run_id}")
    logger.info("cycle %s: %s", summary.run_id, summary.as_dict())
    return summary


def store_and_deliver(config: CycleConfig, summary: CycleSummary, records: list[ArticleRecord],
                      collected: scrapers.Collected, polls: dict[str, tuple[float, datetime]], policy: Policy,
                      targets: list[Target], batches: tuple[str, ...] = (), *,
                      release: Callable[[], None] = lambda: None) -> None:
    """Steps 5 and 6 of a cycle (also the merge of shards' batches, which `batches` names).

    5. one write window: place in stories, evaluate the rules (against earlier reports), store the
       articles and their alerts together (the outbox), queue source notices and missing plans;
       then `release` lets the cycle lock go;
    6. deliver what is due, earlier cycles' alerts included, with no database or cycle lock held
       while a target is being sent to (deliver_due).
    """
    lap = Laps(summary)
    with Repository(config.db_path) as repo:
        backfill_bands(repo)
        placed = place(repo, records)
        _count_placement(summary, placed)
        changed = [*placed.fresh, *placed.revised]
        summary.articles_new, _ = repo.store_batch(
            summary.run_id, collected.fetch_log, placed.fresh,
            [c for r in changed for c in evaluate(r, policy, repo, config.backlog_threshold)],
            collected.validators, collected.pause, placed.revised, batches)
        summary.facts = sum(len(r.analysis.facts) for r in changed)
        summary.facts_by_kind = dict(Counter(f.kind for r in changed for f in r.analysis.facts))
        repo.prune_bands(datetime.now(VIETNAM) - timedelta(days=STORY_WINDOW_DAYS))
        repo.record_polls(summary.run_id, _poll_decisions(collected, polls, config) if config.polling.adaptive else [])
        repo.queue_alerts([c for h in repo.source_health(f.source for f in summary.failures) for c in source_broken(h)]
                          + missing_plans(policy, repo.watched_provinces, repo.planned_provinces(),
                                          datetime.now(VIETNAM).date()))
        lap("store")
    release()
    _count_delivery(summary, deliver_due(config, policy, targets))
    lap("deliver")
    with Repository(config.db_path, wait_for_writer=True) as repo:
        repo.finish_run(summary.run_id, summary.as_dict())


def deliver_due(config: CycleConfig, policy: Policy, targets: list[Target]) -> DeliveryReport:
    """Step 6 under the delivery lock (one sender at a time): the database is opened only to read what is
    due and to record each answer, so a slow target never holds it. When another process is delivering,
    this cycle's alerts stay pending for the next drain."""
    with delivery_lock(config.db_path) as mine:
        if mine:
            return deliver(lambda: Repository(config.db_path, wait_for_writer=True), targets, policy,
                           now=datetime.now(UTC))
    get_run_logger().warning("another process is delivering alerts from %s; this cycle's alerts wait "
                             "for the next delivery", config.db_path)
    with Repository(config.db_path, wait_for_writer=True) as repo:
        return DeliveryReport(queued=len(repo.pending_alerts()))


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


def discoverer(config: CycleConfig) -> Any:
    """The discover task with the configured retries: capped exponential delays with jitter."""
    return discover_source.with_options(retries=config.retry.retries, retry_delay_seconds=config.retry.delays() or 0,
                                        retry_jitter_factor=config.retry.jitter_factor)


def _links_needing_no_fetch(config: CycleConfig) -> Callable[[list[str]], set[str]]:
    """Stored links, except articles recent enough to be read again (edits); a short read each time."""
    revisit_since = datetime.now(VIETNAM) - timedelta(days=config.revisit_days)

    def lookup(urls: list[str]) -> set[str]:
        with Repository(config.db_path) as repo:
            return repo.known_article_urls(urls) - set(repo.stored_articles(urls, since=revisit_since))

    return lookup


def fetch_new(collected: scrapers.Collected, config: CycleConfig) -> tuple[list[tuple[str, ExtractedArticle]], int]:
    """Submit one fetch task per source with new links; their fetch logs join the cycle's. Returns the
    (source id, article) pairs extracted and how many articles failed."""
    articles: list[tuple[str, ExtractedArticle]] = []
    failed = 0
    futures = [(s, fetch_articles.submit(s, items, config.fetch)) for s, items in collected.work]
    for n, (spec, future) in enumerate(futures, start=1):
        found, log = _seen(future.result(), "fetch", n, len(futures))
        collected.fetch_log.extend(log)
        failed += sum(1 for r in log if not r.ok)
        articles += [(spec.id, a) for a in found]
    return articles, failed


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
    summary.stories_new, summary.story_copies = placed.stories_new, placed.story_copies
    summary.articles_revised, summary.articles_unchanged = len(placed.revised), placed.unchanged
