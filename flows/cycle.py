"""The monitoring cycle as a Prefect flow: wiring only (scrapers → analysis → storage → alerts)."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE
from prefect.context import TaskRunContext
from prefect.task_runners import ThreadPoolTaskRunner

import analysis
from dedup import clusters as dedup_clusters
from dedup import STORY_WINDOW_DAYS, fingerprint
import scrapers
from alerts import Notifier, detect, source_broken
from alerts.rules import GONE
from cchc_monitor.errors import ConfigError, DeliveryError, FetchError, ScrapeError
from cchc_monitor.keys import article_id, canonical_url, content_hash
from cchc_monitor.models import ArticleRecord, ExtractedArticle, FetchRecord, ItemRef, SourceSpec
from scrapers import FetchPolicy
from scrapers.politeness import backoff_delays
from storage.repository import Repository

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_PARALLEL_SOURCES = 8  # sources fetched at once (each host still gets one request at a time)


@dataclass
class CycleSummary:
    """What one cycle did, printed by the CLI and stored with the run."""

    run_id: str
    sources_tried: int = 0
    sources_failed: int = 0
    articles_new: int = 0
    articles_duplicate: int = 0
    articles_revised: int = 0
    articles_unchanged: int = 0  # recent articles read again, text unchanged
    stories_new: int = 0
    story_copies: int = 0
    articles_failed: int = 0
    facts: int = 0
    alerts_sent: int = 0
    alerts_queued: int = 0
    alerts_failed: int = 0
    sources_paused: list[str] = field(default_factory=list)
    failures: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self)


def _retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a fetch only when its error says it may succeed later (timeouts, 5xx, resets)."""
    exc = state.data if isinstance(state.data, BaseException) else state.result(raise_on_failure=False)
    return bool(getattr(exc, "retryable", False))


@dataclass(frozen=True)
class Discovery:
    """What discovering one source gave: its links and validators, or the error that stopped it."""

    found: scrapers.Discovered | None
    error: ScrapeError | None = None


@task(name="discover-source", cache_policy=NONE, retry_condition_fn=_retry_transient)
def discover_source(spec: SourceSpec, policy: FetchPolicy, validators: dict[str, str] | None,
                    pages: int = 1) -> Discovery:
    """Fetch one source's feed or listing page; a failure is raised while Prefect retries remain,
    then returned as data, so one broken source is a fact to record, not a crashed task."""
    try:
        with scrapers.fetcher_for(spec, policy) as fetcher:
            return Discovery(scrapers.discover(fetcher, spec, validators, pages))
    except ScrapeError as exc:
        context = TaskRunContext.get()
        retries_left = context is not None and context.task_run.run_count <= context.task.retries
        if isinstance(exc, FetchError) and exc.retryable and retries_left:
            raise
        return Discovery(None, exc)


@task(name="fetch-articles", cache_policy=NONE)
def fetch_articles(
    spec: SourceSpec, items: list[ItemRef], policy: FetchPolicy
) -> tuple[list[ExtractedArticle], list[FetchRecord]]:
    """Fetch and extract each new article of one source; a failing article is recorded, not raised."""
    articles: list[ExtractedArticle] = []
    log: list[FetchRecord] = []
    with scrapers.fetcher_for(spec, policy) as fetcher:
        for item in items:
            try:
                article = scrapers.fetch_article(fetcher, item, spec)
            except ScrapeError as exc:
                log.append(FetchRecord(spec.id, item.url, False, exc.reason, str(exc)))
                continue
            articles.append(article)
            log.append(FetchRecord(spec.id, item.url, True, status=200))
    return articles, log


def _analyse(spec: SourceSpec, article: ExtractedArticle) -> ArticleRecord:
    url = canonical_url(article.url)
    text = f"{article.title}\n\n{article.text}" if article.title else article.text
    result = analysis.analyze(text, url)
    return ArticleRecord(article_id(url), url, spec.id, article.title, article.published, text,
                         content_hash(article.text), article.extractor, result)


def _deliver(repo: Repository, notifier: Notifier, summary: CycleSummary) -> None:
    """Send every pending alert in the outbox; a failure stays pending for the next cycle."""
    pending = repo.pending_alerts()
    if not notifier.configured:
        summary.alerts_queued = len(pending)
        return
    for alert in pending:
        try:
            notifier.send(alert.title, alert.body)
        except DeliveryError as exc:
            repo.mark_alert(alert.key, sent=False, error=str(exc))
            summary.alerts_failed += 1
        else:
            repo.mark_alert(alert.key, sent=True)
            summary.alerts_sent += 1
    summary.alerts_queued = summary.alerts_failed


@dataclass
class Collected:
    """What discovery gave the cycle: the fetch log, each source's new links, validators, sources to pause."""

    fetch_log: list[FetchRecord] = field(default_factory=list)
    work: list[tuple[SourceSpec, list[ItemRef]]] = field(default_factory=list)
    validators: dict[str, dict[str, str]] = field(default_factory=dict)
    pause: dict[str, str] = field(default_factory=dict)


def _collect(futures: list[tuple[SourceSpec, Any]], known_urls: Callable[[list[str]], set[str]],
             summary: CycleSummary) -> Collected:
    """Discovery results; a URL is claimed once per cycle, a source answering 410 Gone is paused."""
    out = Collected()
    fetch_log, work, validators = out.fetch_log, out.work, out.validators
    outcomes = [(spec, future.result()) for spec, future in futures]
    links = [canonical_url(i.url) for _, o in outcomes if o.found for i in o.found.items]
    claimed = known_urls(links)  # stored already, or taken by an earlier source of this cycle
    for spec, outcome in outcomes:
        summary.sources_tried += 1
        if outcome.error is not None or outcome.found is None:
            exc = outcome.error or ScrapeError("no result", url=spec.url)
            summary.sources_failed += 1
            summary.failures.append({"source": spec.id, "reason": exc.reason, "detail": str(exc)})
            fetch_log.append(FetchRecord(spec.id, spec.url, False, exc.reason, str(exc)))
            if exc.reason == GONE:
                out.pause[spec.id] = exc.reason
            continue
        found = outcome.found
        fetch_log.append(FetchRecord(spec.id, spec.url, True, status=304 if found.not_modified else 200))
        if found.validators:
            validators[spec.url] = found.validators
        fresh = []
        for item in found.items:
            url = canonical_url(item.url)
            if url in claimed:
                summary.articles_duplicate += 1
            else:
                claimed.add(url)
                fresh.append(item)
        if fresh:
            work.append((spec, fresh))
    return out


def _place(repo: Repository, records: list[ArticleRecord], summary: CycleSummary
           ) -> tuple[list[ArticleRecord], list[ArticleRecord]]:
    """New articles with their story (exact or near copy of a stored one, or a new story), and
    stored articles whose text changed (revisions); an unchanged re-read is dropped."""
    stored = repo.stored_articles(r.url for r in records)
    fresh = [r for r in records if r.url not in stored]
    revised = [replace(r, cluster_id=stored[r.url].cluster_id, bands=fingerprint(r.body).bands) for r in records
               if r.url in stored and stored[r.url].content_sha256 != r.content_sha256]
    placements = dedup_clusters.assign([(r.id, r.body, r.content_sha256) for r in fresh],
                                       repo.known_content(r.content_sha256 for r in fresh),
                                       repo.band_matches, repo.article_bodies)
    fresh = [replace(r, cluster_id=p.cluster_id, bands=p.bands) for r, p in zip(fresh, placements)]
    revised = _rejoin(repo, revised)
    summary.story_copies = sum(p.joined for p in placements)
    summary.stories_new = len(placements) - summary.story_copies
    summary.articles_revised = len(revised)
    summary.articles_unchanged = len(records) - len(fresh) - len(revised)
    return fresh, revised


def _rejoin(repo: Repository, revised: list[ArticleRecord]) -> list[ArticleRecord]:
    """A revised article alone in its story (a stub, say) whose new text is a copy of another
    story joins that story; an article with copies of its own keeps its story."""
    alone = repo.lone_stories(r.cluster_id for r in revised if r.cluster_id)
    out = []
    for r in revised:
        if r.cluster_id in alone:
            def others(keys: list[int], me: str = r.id) -> dict[int, list[str]]:  # not its own earlier text
                return {k: [a for a in ids if a != me] for k, ids in repo.band_matches(keys).items()}

            exact = {h: v for h, v in repo.known_content([r.content_sha256]).items() if v[0] != r.id}
            (placed,) = dedup_clusters.assign([(r.id, r.body, r.content_sha256)], exact, others, repo.article_bodies)
            if placed.joined:
                r = replace(r, cluster_id=placed.cluster_id)
        out.append(r)
    return out


def _backfill_bands(repo: Repository) -> None:
    """Band keys for articles stored by a version without them (an upgraded database)."""
    while batch := repo.articles_without_bands():
        repo.store_bands({article_id: fingerprint(body).bands for article_id, body in batch})


@flow(name="monitor-cycle", log_prints=False, task_runner=ThreadPoolTaskRunner(max_workers=MAX_PARALLEL_SOURCES))
def monitor_cycle(
    sources_file: str,
    db_path: str,
    notify_urls: list[str] | None = None,
    backlog_threshold: int = 1,
    http_timeout: float = 20.0,
    request_deadline: float = 60.0,
    host_delay: float = 1.0,
    user_agent: str = "CCHC-Monitor/0.1",
    max_items_per_source: int = 30,
    fetch_retries: int = 2,
    retry_delay_seconds: float = 10.0,
    only_sources: list[str] | None = None,
    pages: int = 1,
    revisit_days: float = 2.0,
) -> dict[str, Any]:
    """One cycle: discover, fetch new articles, analyse, store, detect, deliver; returns the summary.

    `only_sources` and `pages` make it a backfill: those sources only, `pages` listing pages deep.
    Articles first seen less than `revisit_days` ago are read again when still listed: a changed
    text becomes a new revision.
    The database is opened only for short reads and the final write, never while fetching, so
    ad-hoc queries are refused only for those moments.
    """
    logger = get_run_logger()
    run_id = datetime.now(VIETNAM).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    summary = CycleSummary(run_id)
    specs = [s for s in scrapers.load_sources(sources_file, default_max_items=max_items_per_source)
             if (s.id in only_sources if only_sources else s.enabled)]
    if only_sources and len(specs) != len(set(only_sources)):
        unknown = sorted(set(only_sources) - {s.id for s in specs})
        raise ConfigError(f"{sources_file}: no source with id {', '.join(unknown)}")
    notifier = Notifier(tuple(notify_urls or ()))
    policy = FetchPolicy(user_agent=user_agent, timeout=http_timeout, deadline=request_deadline, host_delay=host_delay)
    # capped exponential delays between retries, with jitter so sources do not retry in step
    discover = discover_source.with_options(
        retries=fetch_retries, retry_delay_seconds=backoff_delays(fetch_retries, base=retry_delay_seconds) or 0,
        retry_jitter_factor=0.5,
    )
    with Repository(Path(db_path)) as repo:
        repo.begin_run(run_id, specs)
        paused = repo.paused_sources()
        known_validators = repo.validators(s.url for s in specs)
    if not only_sources:  # a source named explicitly is tried even when paused
        summary.sources_paused = sorted(s.id for s in specs if s.id in paused)
        specs = [s for s in specs if s.id not in paused]

    # 1. discover every source concurrently; one failing source never stops the others
    # (a backfill reads past the first page, so it must not stop at a 304 for that page)
    futures = [(spec, discover.submit(spec, policy, None if pages > 1 else known_validators.get(spec.url), pages))
               for spec in specs]

    revisit_since = datetime.now(VIETNAM) - timedelta(days=revisit_days)

    def stored_urls(urls: list[str]) -> set[str]:  # recent articles are not claimed: they are read again
        with Repository(Path(db_path)) as repo:
            return repo.known_article_urls(urls) - set(repo.stored_articles(urls, since=revisit_since))

    collected = _collect(futures, stored_urls, summary)
    fetch_log, work = collected.fetch_log, collected.work
    for failure in summary.failures:
        logger.info("source %s failed: %s", failure["source"], failure["detail"])

    # 2. fetch and extract new articles, then analyse them
    records: list[ArticleRecord] = []
    for spec, future in [(spec, fetch_articles.submit(spec, items, policy)) for spec, items in work]:
        articles, log = future.result()
        fetch_log.extend(log)
        summary.articles_failed += sum(1 for r in log if not r.ok)
        records.extend(_analyse(spec, a) for a in articles)

    # 3. store new articles and their alerts in one transaction (the outbox), then deliver
    #    everything pending, including what earlier cycles could not send
    with Repository(Path(db_path)) as repo:
        _backfill_bands(repo)
        fresh, revised = _place(repo, records, summary)
        candidates = [c for r in (*fresh, *revised) for c in detect(r, backlog_threshold)]
        summary.articles_new, _ = repo.store_batch(run_id, fetch_log, fresh, candidates, collected.validators,
                                                   collected.pause, revised)
        summary.facts = sum(len(r.analysis.facts) for r in (*fresh, *revised))
        repo.prune_bands(datetime.now(VIETNAM) - timedelta(days=STORY_WINDOW_DAYS))
        broken = repo.source_health(f["source"] for f in summary.failures)
        repo.queue_alerts([c for health in broken for c in source_broken(health)])
        _deliver(repo, notifier, summary)
        repo.finish_run(run_id, summary.as_dict())
    logger.info("cycle %s: %s", run_id, summary.as_dict())
    return summary.as_dict()
