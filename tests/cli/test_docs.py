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
from storage.adhoc import run_query
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


def _views_table(readme: str) -> dict[str, str]:
    """The README's views table: each view's name and its "one row per" cell."""
    start = readme.find("| view | one row per |\n")
    end = readme.find("\n\n", start)
    rows = (re.fullmatch(r"\| `(\w+)` \| (.+) \|", line) for line in readme[start:end].splitlines())
    return {m[1]: m[2] for m in rows if m} if start >= 0 else {}


VIEWS_TABLE = _views_table(README)


@pytest.fixture(scope="module")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with every migration applied (and no data)."""
    db = tmp_path_factory.mktemp("views") / "views.duckdb"
    with Repository(db):
        pass
    return db


def test_every_view_is_documented() -> None:
    views = set(re.findall(r"CREATE (?:OR REPLACE )?VIEW (\w+)", "".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "storage" / "sql").glob("*.sql"))))
    assert views and all(f"`{v}`" in README for v in views)
    assert not views - set(VIEWS_TABLE), "views missing from the README's views table"


@pytest.mark.parametrize("view", sorted(VIEWS_TABLE))
def test_every_column_the_views_table_names_exists(view: str, migrated_db: Path) -> None:
    """Each name in backticks in a view's row is a real column of that view (so `index` for
    `index_name` fails); values and commands in a row are written without backticks."""
    named = re.findall(r"`([^`]+)`", VIEWS_TABLE[view])
    columns = {name for name, *_ in run_query(migrated_db, f'DESCRIBE "{view}"').rows}
    assert named, f"the README's row for {view} names none of its columns"
    assert sorted(set(named) - columns) == [], f"{view} has no such columns; it has {sorted(columns)}"


def test_make_targets_in_the_readme_exist() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in re.findall(r"`make ([\w-]+)`", README):
        assert re.search(rf"^{target}:", makefile, re.M), target


def test_prefect_yaml_deployments_import_to_flows_with_their_declared_parameters() -> None:
    import importlib
    import inspect

    from prefect import Flow

    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    assert "pull" not in spec  # `prefect deploy` records the project folder: no variable to forget
    assert "{{" not in (ROOT / "prefect.yaml").read_text(encoding="utf-8")  # no template needing an env var
    for deployment in spec["deployments"]:
        path, _, name = deployment["entrypoint"].partition(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        flow = getattr(module, name)
        assert isinstance(flow, Flow), deployment["name"]
        signature = inspect.signature(flow.fn)
        given = set(deployment.get("parameters") or {})
        required = {n for n, p in signature.parameters.items() if p.default is inspect.Parameter.empty}
        assert given <= set(signature.parameters) and required <= given, deployment["name"]
        for schedule in deployment.get("schedules") or []:
            assert schedule["timezone"] == "Asia/Ho_Chi_Minh"
        assert deployment["work_pool"]["name"] == "cchc" and deployment["concurrency_limit"] == 1


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


def _province_report(ident: str, provincial: int, communal: int, published: date) -> ArticleRecord:
    """One report giving two tiers' figures: cấp xã first, then cấp tỉnh."""
    text = (f"Đồng Tháp: kết quả giải quyết hồ sơ\n\nTheo báo cáo của UBND tỉnh Đồng Tháp ({ident}), cấp xã còn "
            f"{communal} hồ sơ giải quyết trễ hạn, cấp tỉnh còn {provincial} hồ sơ giải quyết trễ hạn trong công tác "
            "cải cách hành chính.")
    url = f"https://dongthap.gov.vn/tin/{ident}"
    return ArticleRecord(article_id(url), url, "xa", text.split("\n")[0], published, text, content_hash(text),
                         "test", analyze(text, url))


def test_every_sql_example_in_the_readme_runs(tmp_path: Path) -> None:
    """Every example runs; the two "more late dossiers than before" examples give the right rows.

    The province's reports give two tiers each (cấp xã 120 and cấp tỉnh 10 last quarter; 95 and 12 now):
    only cấp tỉnh rose. Comparing two tiers of one report (12 before 95) or across tiers (10 then 95) is a
    false rise; the examples compare each locality's tier with the same tier only."""
    db = tmp_path / "readme.duckdb"
    this_quarter = date((today := date.today()).year, 3 * ((today.month - 1) // 3) + 1, 1)
    before, now = this_quarter - timedelta(days=40), this_quarter + timedelta(days=1)
    with Repository(db) as repo:
        repo.begin_run("r1", [SourceSpec("xa", "Xã An Bình", "rss", "https://anbinh.dongthap.gov.vn/rss",
                                         province="Đồng Tháp")])
        repo.store_batch("r1", [], [_backlog_article("q-prev", 30, before), _backlog_article("q-now", 48, now),
                                    _province_report("t-prev", 10, 120, before),
                                    _province_report("t-now", 12, 95, now)], [])
    two_tiers = run_query(db, "select link from v_backlog_by_locality group by link having count(distinct tier) = 2")
    assert len(two_tiers.rows) == 2, "the test data lost its reports with two tiers"
    examples = _sql_examples()
    assert len(examples) >= 8
    outputs = {}
    for args in examples:
        result = CliRunner().invoke(app, [*args, "--db", str(db), "--format", "csv"])
        assert result.exit_code == 0, f"{args[1][:60]}...: {result.output}"
        outputs[args[1]] = result.stdout
    rises = ["xã An Bình,Đồng Tháp,xã,30,48", "Đồng Tháp,Đồng Tháp,tỉnh,10,12"]
    quarter = next(out for sql, out in outputs.items() if "last_quarter" in sql)
    assert quarter.splitlines() == ["locality,province,tier,last_quarter,this_quarter", *rises]
    latest = next(out for sql, out in outputs.items() if " as latest" in sql)
    assert latest.splitlines() == ["locality,province,tier,before,latest", *rises]
