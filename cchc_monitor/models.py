"""Plain data records passed between the stages (scrapers, analysis, storage, alerts, flows)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class ArticleSelectors:
    """A source's own article layout (CSS selectors tried in order), for a platform no built-in
    profile knows yet (e.g. a VNPT or Viettel portal captured by an operator)."""

    body: tuple[str, ...]
    title: tuple[str, ...] = ()
    date: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceSpec:
    """One monitored source, as validated from the sources file."""

    id: str
    name: str
    kind: str  # "rss" | "listing"
    url: str
    province: str | None = None
    province_current: str | None = None
    former_provinces: tuple[str, ...] = ()  # provinces merged into this one in 2025
    level: str | None = None
    link_selector: str | None = None
    cms: str | None = None
    max_items: int = 30
    enabled: bool = True
    ca_bundle: str | None = None  # extra CA/intermediate PEM for servers that send an incomplete chain
    article: ArticleSelectors | None = None  # tried before the built-in CMS profiles


@dataclass(frozen=True, slots=True)
class ItemRef:
    """An article link found in a feed or listing, with what the feed already told us (its summary is not
    kept: nothing reads it, and a country's cycle holds 100,000 links)."""

    url: str
    title: str | None = None
    published: date | None = None


@dataclass(frozen=True)
class ExtractedArticle:
    """An article page reduced to title, publication date and body text."""

    url: str
    title: str | None
    published: date | None
    text: str
    extractor: str


@dataclass(frozen=True)
class Fact:
    """One fact found in a text, with the exact phrase and its character offsets."""

    kind: str  # backlog | on_time_rate | document | score
    phrase: str
    start: int
    end: int
    value: float | None = None
    attrs: dict[str, Any] = field(default_factory=dict)

    def key(self) -> str:
        """A stable identity for the fact within one article (used for alert de-duplication)."""
        if self.kind == "document":
            return f"document:{self.attrs.get('number', '').upper()}"
        return f"{self.kind}:{self.value}:{self.attrs.get('level')}:{self.phrase}"


@dataclass(frozen=True)
class Analysis:
    """Everything the analysis stage learned from one article."""

    is_cchc: bool
    category: str
    published: date | None
    locality: str | None
    province: str | None
    facts: tuple[Fact, ...]
    plan_year: int | None = None  # target year of the CCHC plan the article announces (0: not given)

    def of_kind(self, kind: str) -> list[Fact]:
        """Facts of one kind, in text order."""
        return [f for f in self.facts if f.kind == kind]


@dataclass(frozen=True)
class FetchRecord:
    """One line of the fetch log: what happened to one URL of one source."""

    source_id: str
    url: str
    ok: bool
    reason: str | None = None
    detail: str | None = None
    status: int | None = None
    at: datetime | None = None


@dataclass(frozen=True)
class AlertCandidate:
    """An alert a detection rule wants sent; `key` is unique per rule and fact (a repost never alerts again).

    `reason` says why it fired (the rule, the figure, what it was compared with, the exact phrase),
    stored with the alert and shown in its message; `tags` are the recipients the rule names.
    """

    key: str
    rule: str
    title: str
    body: str
    article_id: str | None = None
    severity: str = "info"
    tags: tuple[str, ...] = ()
    province: str | None = None
    reason: dict[str, Any] = field(default_factory=dict)
    operator: bool = False  # for operators only (source health, dead deliveries), never leaders' tags


@dataclass(frozen=True)
class PriorFact:
    """An earlier report of the same figure (another story): what a new one is compared with."""

    value: float | None  # None: the report gave only a rank
    report_date: date | None
    url: str
    rank: str | None = None
    year: int | None = None


@dataclass(frozen=True)
class ArticleRecord:
    """An extracted, analysed article ready to store."""

    id: str
    url: str
    source_id: str
    title: str | None
    published: date | None
    body: str
    content_sha256: str
    extractor: str
    analysis: Analysis
    cluster_id: str | None = None  # the story it belongs to (dedup); None until assigned
    bands: tuple[int, ...] = ()  # its LSH band keys
    shingles: bytes = b""  # its near-copy fingerprint's hashed 3-grams and figures (dedup.pack), once computed


@dataclass(frozen=True)
class StoredArticle:
    """What the store knows of an article already there: to tell an edit from a re-read."""

    id: str
    url: str
    content_sha256: str
    revision: int
    cluster_id: str


@dataclass(frozen=True)
class PendingAlert:
    """An alert in the outbox that has not been delivered yet."""

    key: str
    title: str
    body: str
    attempts: int
    rule: str = ""
    article_id: str | None = None
    severity: str = "info"
    tags: tuple[str, ...] = ()
    province: str | None = None
    reason: dict[str, Any] = field(default_factory=dict)
    operator: bool = False


@dataclass(frozen=True)
class SourceHealth:
    """One source's failure streak, read from v_source_health after a cycle's fetch log is stored."""

    source_id: str
    name: str
    url: str
    last_ok_at: datetime | None
    consecutive_failures: int
    last_failure_reason: str | None
    disabled_reason: str | None = None
    disabled_at: datetime | None = None


@dataclass(frozen=True)
class SourceFailure:
    """Why one source gave nothing this cycle: its reason code and the redacted detail."""

    source: str
    reason: str
    detail: str


@dataclass
class TargetDelivery:
    """What one delivery target got in a cycle, named by its redacted label."""

    label: str
    sent: int = 0
    failed: int = 0
    reasons: list[str] = field(default_factory=list)  # redacted


@dataclass
class CycleSummary:
    """What one cycle did: printed by the CLI, stored with the run, returned by the flow."""

    run_id: str
    sources_tried: int = 0
    sources_failed: int = 0
    articles_new: int = 0
    articles_duplicate: int = 0  # links already stored, or claimed by an earlier source of the cycle
    articles_revised: int = 0
    articles_unchanged: int = 0  # recent articles read again, text unchanged
    articles_not_modified: int = 0  # recent articles asked again with their validators, answered 304
    stories_new: int = 0
    story_copies: int = 0
    articles_failed: int = 0
    facts: int = 0
    alerts_sent: int = 0
    alerts_queued: int = 0
    alerts_failed: int = 0
    alerts_dead: int = 0
    deliveries: list[TargetDelivery] = field(default_factory=list)
    sources_paused: list[str] = field(default_factory=list)
    sources_not_due: list[str] = field(default_factory=list)  # adaptive polling: read in a later cycle
    failures: list[SourceFailure] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    facts_by_kind: dict[str, int] = field(default_factory=dict)

    def failures_by_reason(self) -> dict[str, list[str]]:
        """reason code → the sources that failed with it, most common reason first."""
        groups: dict[str, list[str]] = {}
        for failure in self.failures:
            groups.setdefault(failure.reason, []).append(failure.source)
        return dict(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))

    @property
    def all_sources_failed(self) -> bool:
        """Every source tried gave nothing (offline, or all broken)."""
        return bool(self.sources_tried) and self.sources_failed == self.sources_tried

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self)

    def markdown(self) -> str:
        """The run's report as Markdown (the Prefect artifact of each run): facts, alerts, failing sources
        grouped by reason, timings. Target labels and failure details are already redacted."""
        lines = [f"# CCHC cycle {self.run_id}", "",
                 f"- sources tried **{self.sources_tried}**, failed **{self.sources_failed}**",
                 f"- articles new **{self.articles_new}**, revised {self.articles_revised}, "
                 f"already seen {self.articles_duplicate}, failed {self.articles_failed}",
                 f"- stories new {self.stories_new}, copies of known stories {self.story_copies}",
                 f"- facts **{self.facts}**" + (" (" + ", ".join(f"{k} {v}" for k, v in
                                                                 sorted(self.facts_by_kind.items())) + ")"
                                                if self.facts_by_kind else ""),
                 f"- alerts sent **{self.alerts_sent}**, queued {self.alerts_queued}, dead {self.alerts_dead}", ""]
        if self.deliveries:
            lines += ["| target | sent | failed | why |", "| --- | --- | --- | --- |"]
            lines += [f"| {d.label} | {d.sent} | {d.failed} | {'; '.join(dict.fromkeys(d.reasons))} |"
                      for d in self.deliveries] + [""]
        if self.failures:
            lines += ["| reason | sources |", "| --- | --- |"]
            lines += [f"| {reason} | {len(ids)}: {', '.join(ids[:20])}{' …' if len(ids) > 20 else ''} |"
                      for reason, ids in self.failures_by_reason().items()] + [""]
        if self.timings:
            lines += ["| stage | seconds |", "| --- | --- |"] + [f"| {k} | {v:.2f} |" for k, v in self.timings.items()]
        return "\n".join(lines).replace("\n\n\n", "\n\n") + "\n"
