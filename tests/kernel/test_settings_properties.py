"""Settings from any environment: a typed Settings or our ConfigError naming a variable, never another exception."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cchc_monitor.errors import ConfigError
from cchc_monitor.settings import Secrets, Settings

NAMES = [f"CCHC_{name.upper()}" for name in Settings.model_fields]
NUMBERS = st.sampled_from(["inf", "-inf", "nan", "NaN", "1e309", "-0", "0", "1", "1_000", "0x10", "", " ", "1e-400"])
VALUES = st.one_of(NUMBERS, st.text(max_size=40), st.integers().map(str), st.floats().map(str))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(env=st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=4))
def test_any_environment_gives_settings_or_one_config_error(monkeypatch: pytest.MonkeyPatch,
                                                            env: dict[str, str]) -> None:
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        if "\x00" in value:
            continue  # the environment itself cannot hold a NUL
        monkeypatch.setenv(name, value)
    try:
        loaded = Settings.load()
    except ConfigError as exc:
        assert "\n" not in str(exc) and any(name in str(exc) for name in env)
        return
    config = loaded.cycle_config()  # a valid Settings always builds its cycle configuration
    for value in (config.fetch.timeout, config.fetch.deadline, config.fetch.host_delay, config.retry.delay_seconds,
                  config.polling.min_hours, config.polling.max_hours, config.revisit_days):
        assert value == value and value not in (float("inf"), float("-inf"))  # finite: no endless wait


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(max_size=200))
def test_any_notify_urls_value_gives_secrets_or_one_config_error(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CCHC_NOTIFY_URLS", value.replace("\x00", ""))
    assert isinstance(Secrets.load().notify_url_list(), list)
