"""The console command: analyze (the scorer's contract), extract, sql output formats, bad settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cchc_monitor.cli import app
from storage.repository import Repository
from tests.helpers import PAGES

runner = CliRunner()
KEYS = {"is_cchc", "category", "published", "locality", "province",
        "backlog_figures", "on_time_rates", "documents", "scores"}
ARTICLE = ("Thành phố Cao Lãnh: chấn chỉnh hồ sơ trễ hạn\n\n7:29, Thứ Tư, 31-1-2024\n\n"
           "Qua rà soát vẫn còn hồ sơ giải quyết trễ hạn (cấp thành phố là 1.416 hồ sơ) "
           "trong công tác cải cách hành chính.")
PAGE = """<html><head><meta charset="utf-8"><title>Tin</title></head><body>
<nav><a href="/">Trang chủ</a> <a href="/cchc">Cải cách hành chính</a></nav>
<article><h1>Thành phố Cao Lãnh: chấn chỉnh hồ sơ trễ hạn</h1><p>7:29, Thứ Tư, 31-1-2024</p>
<p>Qua rà soát vẫn còn hồ sơ giải quyết trễ hạn (cấp thành phố là 1.416 hồ sơ) trong công tác cải cách hành chính
của thành phố năm 2023, ảnh hưởng đến kết quả Chỉ số cải cách hành chính.</p></article>
<aside>Thống kê truy cập: Hôm nay 12.345</aside></body></html>"""


def test_analyze_prints_one_json_line_per_path_in_order(tmp_path: Path) -> None:
    txt = tmp_path / "a.txt"
    txt.write_text(ARTICLE, encoding="utf-8")
    html = tmp_path / "b.html"
    html.write_text(PAGE, encoding="utf-8")
    js = tmp_path / "c.json"
    js.write_text(json.dumps({"url": "https://baolamdong.vn/x", "text": "Tin thể thao"}), encoding="utf-8")
    jshtml = tmp_path / "d.json"
    jshtml.write_text(json.dumps({"html": PAGE}), encoding="utf-8")

    result = runner.invoke(app, ["analyze", "--json", str(txt), str(html), str(js), str(jshtml)])

    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 4 and all(KEYS <= set(line) for line in lines)
    assert [f["count"] for f in lines[0]["backlog_figures"]] == [1416]
    assert lines[0]["published"] == "2024-01-31" and lines[0]["category"] == "backlog"
    assert [f["count"] for f in lines[1]["backlog_figures"]] == [1416]
    assert "Thống kê truy cập" not in json.dumps(lines[1], ensure_ascii=False)
    assert lines[2]["province"] == "Lâm Đồng" and lines[2]["is_cchc"] is False
    assert lines[3]["backlog_figures"] == lines[1]["backlog_figures"]


def test_analyze_names_a_bad_file_and_still_answers_for_the_others(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(ARTICLE, encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")

    result = runner.invoke(app, ["analyze", "--json", str(bad), str(good)])

    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 2 and lines[0]["error"] and lines[1]["category"] == "backlog"
    assert str(bad) in result.stderr


@pytest.mark.parametrize("fmt, expected", [
    ("json", '{"n": 2, "place": "Sa Đéc"}'),
    ("csv", "n,place\n2,Sa Đéc"),
    ("table", "Sa Đéc"),
])
def test_sql_prints_table_csv_and_json(db_path: Path, fmt: str, expected: str) -> None:
    with Repository(db_path):
        pass
    result = runner.invoke(app, ["sql", "select 2 as n, 'Sa Đéc' as place", "--db", str(db_path), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert expected in result.stdout.replace("\r\n", "\n")


def test_sql_reads_the_database_from_the_environment(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Repository(db_path):
        pass
    monkeypatch.setenv("CCHC_DB_PATH", str(db_path))
    result = runner.invoke(app, ["sql", "select count(*) as n from articles", "--format", "csv"])
    assert result.exit_code == 0 and result.stdout.splitlines() == ["n", "0"]


def test_sql_refuses_writes_with_a_clear_message(db_path: Path) -> None:
    with Repository(db_path):
        pass
    result = runner.invoke(app, ["sql", "delete from articles", "--db", str(db_path)])
    assert result.exit_code == 2 and "only one SELECT" in result.stderr


def test_bad_settings_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCHC_BACKLOG_THRESHOLD", "zero")
    result = runner.invoke(app, ["run"])
    assert result.exit_code == 2 and "CCHC_BACKLOG_THRESHOLD" in result.stderr


def test_extract_command_prints_one_object_per_path(tmp_path: Path) -> None:
    as_json = tmp_path / "page.json"
    as_json.write_text(json.dumps({"url": "https://x.gov.vn/a", "html": (PAGES / "nukeviet.html").read_text()}),
                       encoding="utf-8")
    result = CliRunner().invoke(app, ["extract", "--json", str(PAGES / "liferay.html"), str(as_json)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["profile"] for line in lines] == ["liferay", "nukeviet"]
    assert set(lines[0]) == {"title", "published", "text", "profile"}


@pytest.mark.parametrize("command", ["analyze", "extract"])
def test_odd_inputs_get_one_error_line_each_and_the_other_paths_go_on(tmp_path: Path, command: str) -> None:
    bad = {
        "deep.json": ("[" * 100_000 + "]" * 100_000, "not valid JSON (nested too deeply)"),
        "deep-text.json": ('{"text": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
        "number.json": (json.dumps({"text": 12, "html": 3}), "must be text, not a number"),
        "list.json": (json.dumps({"html": ["<p>x</p>"], "text": ["x"]}), "must be text, not a list"),
        "url.json": (json.dumps({"html": "<p>x</p>", "text": "x", "url": 5}), '"url" must be text, not a number'),
        "top.json": (json.dumps([1, 2]), "expected a JSON object"),
        "broken.json": ("{", "not valid JSON (line 1"),
    }
    for name, (content, _) in bad.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    (tmp_path / "latin1.html").write_bytes(b"<p>Caf\xe9</p>")
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"url": "https://x.gov.vn/a", "html": PAGE, "text": ARTICLE}), encoding="utf-8")
    paths = [*(tmp_path / n for n in bad), tmp_path / "latin1.html", tmp_path, good]

    result = runner.invoke(app, [command, *map(str, paths)])

    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    assert len(errors) == len(paths) - 1 and "Traceback" not in result.output
    for line, (name, (_, message)) in zip(errors, bad.items(), strict=False):
        assert line.startswith(f"error: {tmp_path / name}") and message in line, line
    assert "latin1.html line 1: the input file is not UTF-8" in errors[-2]
    assert "is a directory" in errors[-1]
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == len(paths) and "error" not in answers[-1]
