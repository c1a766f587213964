"""The README tells the truth: every setting, command and view is documented, every SQL example
runs against a database with data; prefect.yaml loads."""

from __future__ import annotations

import re
import shlex
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from analysis import analyze
from cchc_monitor.cli import app
from cchc_monitor.keys import article_id, content_hash
from cchc_monitor.models import ArticleRecord, SourceSpec
from cchc_monitor.settings import documented_settings
from storage.repository import Repository
from tests.helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(
    [c.name or c.callback.__name__ for c in app.registered_commands]  # type: ignore[union-attr]  # each command has a callback
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


def _sql_examples() -> list[list[str]]:
    """Every `cchc-monitor sql ...` command in the README's shell blocks, as argument lists."""
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    commands = [shlex.split(block, comments=True) for block in blocks]
    found, current = [], None
    for words in commands:
        for word in words:
            if word == "cchc-monitor":
                current = []
                found.append(current)
            elif current is not None:
                current.append(word)
    return [c for c in found if c and c[0] == "sql"]


def _backlog_article(ident: str, count: int, published: date) -> ArticleRecord:
    text = (f"Xã An Bình còn {count} hồ sơ trễ hạn\n\nTheo báo cáo của UBND xã An Bình, bộ phận một cửa của xã "
            f"còn {count} hồ sơ giải quyết trễ hạn trong công tác cải cách hành chính (báo cáo {ident}).")
    url = f"https://anbinh.dongthap.gov.vn/tin/{ident}"
    return ArticleRecord(article_id(url), url, "xa", text.split("\n")[0], published, text, content_hash(text),
                         "test", analyze(text, url))


def test_every_sql_example_in_the_readme_runs(tmp_path: Path) -> None:
    db = tmp_path / "readme.duckdb"
    this_quarter = date((today := date.today()).year, 3 * ((today.month - 1) // 3) + 1, 1)
    with Repository(db) as repo:
        repo.begin_run("r1", [SourceSpec("xa", "Xã An Bình", "rss", "https://anbinh.dongthap.gov.vn/rss",
                                         province="Đồng Tháp")])
        repo.store_batch("r1", [], [_backlog_article("q-prev", 30, this_quarter - timedelta(days=40)),
                                    _backlog_article("q-now", 48, this_quarter + timedelta(days=1))], [])
    examples = _sql_examples()
    assert len(examples) >= 8
    outputs = {}
    for args in examples:
        result = CliRunner().invoke(app, [*args, "--db", str(db), "--format", "csv"])
        assert result.exit_code == 0, f"{args[1][:60]}...: {result.output}"
        outputs[args[1]] = result.stdout
    quarter = next(out for sql, out in outputs.items() if "last_quarter" in sql)
    assert quarter.splitlines()[1:] == ["xã An Bình,Đồng Tháp,xã,30,48"]
