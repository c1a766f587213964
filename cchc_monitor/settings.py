"""The typed settings, read from `CCHC_*` environment variables at the edge: the one place for defaults.

`Settings` holds everything that is not secret and builds the frozen `CycleConfig` a flow takes;
`Secrets` holds the delivery targets and is read only by the process that sends, so a secret is
never a flow parameter (Prefect stores those), a log line or a database value.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TypeVar

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cchc_monitor.config import CycleConfig, DeliveryConfig, FetchPolicy, PollBounds, RetryPolicy
from cchc_monitor.errors import ConfigError

ENV_PREFIX = "CCHC_"
# Requests in flight over all hosts. A next-day cycle is one conditional GET per source, all due at once:
# at 64, 160 farm feeds (50-200 ms each) took 450 ms in waves; at 192, 300 ms. The price: about 30 MB more
# peak RSS at 20,000 articles (docs/scale-benchmarks.md, item 27).
DEFAULT_CONNECTIONS = 256
T = TypeVar("T", bound=BaseSettings)


def _load(cls: type[T], overrides: dict[str, object]) -> T:
    """An instance from the environment and the overrides that are not None; bad values name their variable."""
    given: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}  # checked by pydantic
    try:
        return cls(**given)
    except ValidationError as exc:
        # only the variable and the problem: pydantic's own text would repeat the (possibly secret) value
        problems = "; ".join(f"{ENV_PREFIX}{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        # from None: kept as the cause, the ValidationError would print that value in any traceback
        raise ConfigError(f"invalid settings: {problems}") from None


class Settings(BaseSettings):
    """Every setting of CCHC Monitor that is not a secret; each is documented in the README's table."""

    # `inf` and `nan` are not numbers a setting can mean (an endless delay or timeout)
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="ignore", allow_inf_nan=False)

    db_path: Path = Field(Path("data/cchc.duckdb"), description="DuckDB file the monitor writes.")
    sources_file: Path = Field(Path("sources.yaml"), description="YAML list of sources to monitor.")
    backlog_threshold: int = Field(
        1, ge=1, description="Alert when a reported late-dossier count is at least this."
    )
    http_timeout: float = Field(
        20.0, gt=0, description="Seconds a connection may stay silent (connect, each read) before the request fails."
    )
    request_deadline: float = Field(
        60.0, gt=0, description="Seconds one request may take in all, however slowly the bytes arrive."
    )
    host_delay: float = Field(
        1.0, ge=0, description="Least seconds between two requests to one host (robots Crawl-delay may raise it)."
    )
    user_agent: str = Field(
        "CCHC-Monitor/0.1 (+administrative-reform news monitor)",
        pattern=r"^[ -~]+$",  # printable ASCII: it is sent as an HTTP header
        description="User-Agent header sent to portals (printable ASCII).",
    )
    max_items_per_source: int = Field(
        30, ge=1, description="Newest feed or listing items fetched per source per cycle."
    )
    fetch_retries: int = Field(
        2, ge=0, description="Retries of a failed source fetch within one cycle."
    )
    retry_delay: float = Field(
        10.0, ge=0, description="Seconds before the first retry of a failed source fetch; each further retry "
        "waits twice as long (capped at 300 s, with jitter)."
    )
    alerts_file: Path | None = Field(
        None, description="YAML file of alert rules, recipients' subscriptions and delivery policy "
        "(default: the rules shipped with the package, alerts/rules.yaml)."
    )
    apprise_config: Path | None = Field(
        None, description="Apprise configuration file (YAML or text) with the delivery targets and their tags; "
        "it holds secrets, so it must be readable by its owner only."
    )
    zalo_bot_api: str = Field("https://bot-api.zaloplatforms.com", description="Base URL of the Zalo Bot API.")
    zalo_oa_api: str = Field("https://openapi.zalo.me", description="Base URL of the Zalo Official Account API.")
    zalo_oauth_api: str = Field("https://oauth.zaloapp.com/v4", description="Base URL of Zalo's OAuth token API.")
    zalo_token_file: Path = Field(
        Path("data/zalo-tokens.json"), description="Where rotated Zalo OA token pairs are kept (owner-only, "
        "written atomically, never in the database)."
    )
    monitor_cron: str = Field("30 6 * * *", description="When `serve` runs the monitoring cycle (cron, Vietnam time).")
    digest_cron: str = Field("0 7 * * *", description="When `serve` sends the morning bulletin (cron, Vietnam time).")
    prefect_port: int = Field(4200, ge=1, le=65535, description="Port of the local Prefect server `serve` starts "
                              "(loopback only) when PREFECT_API_URL is not set.")
    poll_min_hours: float = Field(
        0.0, ge=0, description="Adaptive polling: the shortest interval between two reads of one source "
        "(0: every cycle, for sources that keep publishing)."
    )
    poll_max_hours: float = Field(
        0.0, ge=0, description="Adaptive polling: the longest interval; a quiet source's interval doubles up to "
        "this. 0 (or equal to the minimum) turns adaptive polling off: every source is read every cycle."
    )
    poll_step_hours: float = Field(
        24.0, gt=0, description="Adaptive polling: the first step up from every cycle (about the time between cycles)."
    )
    revisit_days: float = Field(
        2.0, ge=0, description="Articles first seen less than this many days ago are read again when still "
        "listed, so an edited text becomes a new revision (0: never)."
    )
    revisit_hours: float = Field(
        20.0, ge=0, description="Each such article is read again at most this often (0: every cycle), so "
        "cycles every few hours do not ask for the same pages each time."
    )

    connections: int = Field(
        DEFAULT_CONNECTIONS, ge=1, le=1024, description="Requests in flight at once over all hosts; each host still "
        "gets one at a time, after its delay."
    )
    cpu_workers: int = Field(
        0, ge=0, le=64, description="Processes that extract and analyse article pages (0: one per CPU core; "
        "1: in the cycle's own process). A cycle of fewer than 64 new pages always uses its own process."
    )
    batch_size: int = Field(
        500, ge=1, le=10000, description="Articles analysed, placed in stories and written per database "
        "write; the cycle's memory is bounded by it, and a crash keeps every batch written."
    )

    @classmethod
    def load(cls, **overrides: object) -> Settings:
        """Read the environment, apply CLI overrides that are not None, and report bad values."""
        return _load(cls, overrides)

    def fetch_policy(self) -> FetchPolicy:
        """How to fetch, from these settings."""
        return FetchPolicy(user_agent=self.user_agent, timeout=self.http_timeout,
                           deadline=self.request_deadline, host_delay=self.host_delay)

    def cycle_config(self) -> CycleConfig:
        """The frozen configuration of one cycle (no secret in it)."""
        return CycleConfig(
            db_path=self.db_path, sources_file=self.sources_file, fetch=self.fetch_policy(),
            retry=RetryPolicy(self.fetch_retries, self.retry_delay), backlog_threshold=self.backlog_threshold,
            max_items_per_source=self.max_items_per_source, revisit_days=self.revisit_days,
            revisit_hours=self.revisit_hours,
            delivery=self.delivery_config(),
            polling=PollBounds(self.poll_min_hours, max(self.poll_min_hours, self.poll_max_hours),
                               self.poll_step_hours),
            connections=self.connections, cpu_workers=self.cpu_workers or (os.cpu_count() or 1),
            batch_size=self.batch_size,
        )

    def delivery_config(self) -> DeliveryConfig:
        """Where the alert rules and delivery targets are configured (no secret in it)."""
        return DeliveryConfig(self.alerts_file, self.apprise_config, self.zalo_bot_api, self.zalo_oa_api,
                              self.zalo_oauth_api, self.zalo_token_file, self.http_timeout)


class Secrets(BaseSettings):
    """The secrets: read from the environment of the process that sends, used there, never passed on."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="ignore")

    notify_urls: SecretStr = Field(
        SecretStr(""),
        description="Apprise URLs for alerts, separated by spaces or newlines (secret).",
    )

    @field_validator("notify_urls", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @classmethod
    def load(cls, **overrides: object) -> Secrets:
        """Read the secrets from this process's environment."""
        return _load(cls, overrides)

    def notify_url_list(self) -> list[str]:
        """The Apprise URLs, split on whitespace; never log the result."""
        return self.notify_urls.get_secret_value().split()


def documented_settings() -> list[tuple[str, str, str]]:
    """(environment variable, default, help) for each setting and secret, for the README and its test."""
    rows = []
    for model in (Settings, Secrets):
        for name, info in model.model_fields.items():
            default = info.default
            if isinstance(default, SecretStr) or default is None:
                default = "(empty)"  # not set
            rows.append((f"{ENV_PREFIX}{name.upper()}", str(default), info.description or ""))
    return rows
