"""The frozen configuration one cycle runs with, built once from the settings; it carries no secret.

`Settings` (cchc_monitor/settings.py) is the only reader of the environment and the one place
where defaults live; it builds a `CycleConfig`, which the flow takes whole as its only parameter.
Because Prefect stores a flow's parameters in its database and shows them in its UI, nothing in
here may ever hold a secret: delivery targets are read by the process that sends (`Secrets`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from cchc_monitor.errors import ConfigError


@dataclass(frozen=True)
class FetchPolicy:
    """How the crawler behaves towards portals (timeouts, politeness, limits)."""

    user_agent: str
    timeout: float  # per network operation (connect, each read)
    deadline: float  # whole request, however slowly the bytes come
    host_delay: float  # floor of the per-host delay; robots Crawl-delay may raise it
    max_bytes: int = 5 * 1024 * 1024  # decompressed bytes of one response
    max_redirects: int = 5

    def __post_init__(self) -> None:
        # the user agent is sent as an HTTP header, which carries printable ASCII only: a non-ASCII
        # one would fail every request of every source, so it fails here, once, by name
        if not self.user_agent or not all(" " <= c <= "~" for c in self.user_agent):
            raise ConfigError(f"CCHC_USER_AGENT must be printable ASCII (an HTTP header), got {self.user_agent!r}")


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of a source whose fetch failed for a transient reason: capped exponential delays."""

    retries: int
    delay_seconds: float  # the first delay; each further one doubles
    cap_seconds: float = 300.0
    jitter_factor: float = 0.5  # sources that failed together do not retry in step

    def delays(self) -> list[float]:
        """The delay before each retry, in order (jitter is added by the scheduler)."""
        return [min(self.cap_seconds, self.delay_seconds * 2**attempt) for attempt in range(self.retries)]


@dataclass(frozen=True)
class PollBounds:
    """Adaptive polling: how often a source may be read, at most and at least."""

    min_hours: float  # 0: every cycle, the busiest a source can be
    max_hours: float  # the quietest source is still read this often
    step_hours: float  # the first step up from every cycle (about the time between two cycles)

    @property
    def adaptive(self) -> bool:
        """Whether intervals can change at all."""
        return self.max_hours > self.min_hours


@dataclass(frozen=True)
class DeliveryConfig:
    """Where alert rules and delivery targets are configured; paths and API addresses only (the files
    they name hold the secrets and are read by the process that sends)."""

    alerts_file: Path | None  # None: the rules shipped with the package
    apprise_config: Path | None  # None: only the untagged CCHC_NOTIFY_URLS targets
    zalo_bot_api: str
    zalo_oa_api: str
    zalo_oauth_api: str
    zalo_token_file: Path
    timeout: float  # seconds a delivery API may stay silent


@dataclass(frozen=True)
class CycleConfig:
    """Everything one monitoring cycle (or backfill) needs to know, except secrets."""

    db_path: Path
    sources_file: Path
    fetch: FetchPolicy
    retry: RetryPolicy
    backlog_threshold: int
    max_items_per_source: int
    revisit_days: float  # articles first seen less than this long ago are read again (0: never)
    revisit_hours: float  # ... each at most this often (0: every cycle)
    delivery: DeliveryConfig
    polling: PollBounds
    connections: int  # requests in flight at once over all hosts (each host still one at a time)
    cpu_workers: int  # processes extracting and analysing pages (1: in the cycle's own process)
    batch_size: int  # articles analysed, placed and written per database write
    only_sources: tuple[str, ...] = ()  # a backfill: these sources only, even when paused
    pages: int = 1  # listing pages walked per source (a backfill goes deeper)

    def backfill(self, sources: list[str] | tuple[str, ...], pages: int) -> CycleConfig:
        """The same configuration for a backfill of some sources, `pages` listing pages deep."""
        return replace(self, only_sources=tuple(sources), pages=pages)
