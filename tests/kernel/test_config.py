"""The one configuration: Settings builds the frozen CycleConfig whole, defaults live once, secrets stay out."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import pytest
from pydantic import SecretStr

from cchc_monitor.config import CycleConfig, FetchPolicy, RetryPolicy
from cchc_monitor.errors import ConfigError
from cchc_monitor.settings import Secrets, Settings


def test_settings_build_the_cycle_configuration_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCHC_HOST_DELAY", "2.5")
    monkeypatch.setenv("CCHC_RETRY_DELAY", "3")
    config = Settings.load(db_path=Path("x.duckdb")).cycle_config()
    assert config.db_path == Path("x.duckdb") and config.fetch.host_delay == 2.5
    assert config.fetch.user_agent == Settings().user_agent  # one default, in Settings
    assert config.retry == RetryPolicy(2, 3.0) and config.retry.delays() == [3.0, 6.0]
    assert config.backfill(["a"], 4) == dataclasses.replace(config, only_sources=("a",), pages=4)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.pages = 2  # type: ignore[misc]  # frozen: the assignment must fail


def test_settings_backed_fields_have_no_second_default() -> None:
    defaults = {f.name for f in dataclasses.fields(FetchPolicy) if f.default is not dataclasses.MISSING}
    assert defaults == {"max_bytes", "max_redirects"}  # limits that are not settings
    assert all(f.default is dataclasses.MISSING for f in dataclasses.fields(CycleConfig)
               if f.name not in {"only_sources", "pages"})


def _types(cls: type) -> set[object]:
    found: set[object] = set()
    for hint in typing.get_type_hints(cls).values():
        found.add(hint)
        if dataclasses.is_dataclass(hint):
            found |= _types(hint)  # type: ignore[arg-type]  # a dataclass type, checked just above
    return found


def test_no_secret_can_reach_a_flow_parameter() -> None:
    assert SecretStr not in _types(CycleConfig)
    assert not set(Secrets.model_fields) & set(Settings.model_fields)  # the secrets are not settings
    assert "notify" not in repr(Settings().cycle_config())


def test_secrets_are_read_from_the_environment_and_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCHC_NOTIFY_URLS", "  mailtos://u:Pw-hidden@smtp.x.vn\njson://h/tok-hidden ")
    secrets = Secrets.load()
    assert secrets.notify_url_list() == ["mailtos://u:Pw-hidden@smtp.x.vn", "json://h/tok-hidden"]
    assert "hidden" not in repr(secrets) and "hidden" not in str(secrets)


def test_a_bad_setting_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCHC_RETRY_DELAY", "-1")
    with pytest.raises(ConfigError, match="CCHC_RETRY_DELAY"):
        Settings.load()


def test_the_run_report_groups_failures_by_reason_and_shows_timings() -> None:
    from cchc_monitor.models import CycleSummary, SourceFailure, TargetDelivery

    summary = CycleSummary("r1", sources_tried=4, sources_failed=3, facts=3, facts_by_kind={"backlog": 2, "score": 1},
                           failures=[SourceFailure("a", "fetch.dns_error", "x"), SourceFailure("b", "fetch.timeout", "y"),
                                     SourceFailure("c", "fetch.dns_error", "z")],
                           deliveries=[TargetDelivery("zalo://… [cchc]", 1, 1, ["Zalo Bot error 429"])],
                           timings={"discover": 1.5})
    assert summary.failures_by_reason() == {"fetch.dns_error": ["a", "c"], "fetch.timeout": ["b"]}
    text = summary.markdown()
    assert "| fetch.dns_error | 2: a, c |" in text and "| zalo://… [cchc] | 1 | 1 | Zalo Bot error 429 |" in text
    assert "facts **3** (backlog 2, score 1)" in text and "| discover | 1.50 |" in text
