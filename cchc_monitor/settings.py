"""The one typed settings object, read from `CCHC_*` environment variables at the edge (CLI, flows)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cchc_monitor.errors import ConfigError

ENV_PREFIX = "CCHC_"


class Settings(BaseSettings):
    """Every setting of CCHC Monitor; each field is documented in the README's settings table."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="ignore")

    db_path: Path = Field(Path("data/cchc.duckdb"), description="DuckDB file the monitor writes.")
    sources_file: Path = Field(Path("sources.yaml"), description="YAML list of sources to monitor.")
    notify_urls: SecretStr = Field(
        SecretStr(""),
        description="Apprise URLs for alerts, separated by spaces or newlines (secret).",
    )
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
        description="User-Agent header sent to portals.",
    )
    max_items_per_source: int = Field(
        30, ge=1, description="Newest feed or listing items fetched per source per cycle."
    )
    fetch_retries: int = Field(
        2, ge=0, description="Retries of a failed source fetch within one cycle (Prefect task)."
    )
    revisit_days: float = Field(
        2.0, ge=0, description="Articles first seen less than this many days ago are read again when still "
        "listed, so an edited text becomes a new revision (0: never)."
    )

    @field_validator("notify_urls", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    def notify_url_list(self) -> list[str]:
        """The Apprise URLs, split on whitespace; never log the result."""
        return self.notify_urls.get_secret_value().split()

    @classmethod
    def load(cls, **overrides: object) -> Settings:
        """Read the environment, apply CLI overrides that are not None, and report bad values."""
        given = {k: v for k, v in overrides.items() if v is not None}
        try:
            return cls(**given)  # type: ignore[arg-type]
        except ValidationError as exc:
            problems = "; ".join(
                f"{ENV_PREFIX}{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}"
                for e in exc.errors()
            )
            raise ConfigError(f"invalid settings: {problems}") from None


def documented_settings() -> list[tuple[str, str, str]]:
    """(environment variable, default, help) for each setting, for the README and its test."""
    rows = []
    for name, info in Settings.model_fields.items():
        default = info.default
        if isinstance(default, SecretStr):
            default = "(empty)"
        rows.append((f"{ENV_PREFIX}{name.upper()}", str(default), info.description or ""))
    return rows
