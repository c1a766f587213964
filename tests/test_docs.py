"""The README tells the truth: every setting, command and view is documented; prefect.yaml loads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cchc_monitor.cli import app
from cchc_monitor.settings import documented_settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(
    [c.name or c.callback.__name__ for c in app.registered_commands]  # type: ignore[union-attr]
    + [f"{g.name} {c.name}" for g in app.registered_groups for c in g.typer_instance.registered_commands]
)


@pytest.mark.parametrize("variable, default, help_text", documented_settings())
def test_every_setting_is_in_the_readme_table(variable: str, default: str, help_text: str) -> None:
    row = next((line for line in README.splitlines() if line.startswith(f"| `{variable}` |")), None)
    assert row is not None, f"{variable} missing from README"
    assert help_text
    if default != "(empty)":
        assert f"`{default}`" in row


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented_and_has_help(command: str) -> None:
    assert f"`cchc-monitor {command}" in README
    result = CliRunner().invoke(app, [*command.split(), "--help"])
    assert result.exit_code == 0 and len(result.stdout) > 80


def test_every_view_is_documented() -> None:
    views = set(re.findall(r"CREATE VIEW (\w+)", "".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "storage" / "sql").glob("*.sql"))))
    assert views and all(f"`{v}`" in README for v in views)


def test_make_targets_in_the_readme_exist() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in re.findall(r"`make (\w+)`", README):
        assert re.search(rf"^{target}:", makefile, re.M), target


def test_prefect_yaml_deployments_point_at_flows() -> None:
    from prefect import Flow

    import flows.scheduled

    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    for deployment in spec["deployments"]:
        path, _, name = deployment["entrypoint"].partition(":")
        assert path == "flows/scheduled.py"
        assert isinstance(getattr(flows.scheduled, name), Flow)
        assert deployment["schedules"][0]["timezone"] == "Asia/Ho_Chi_Minh"
