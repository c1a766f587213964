"""`cchc-monitor sql` as a newcomer meets it: a cut result says so, CSV for Excel, wide tables at 80
columns, cells printed as they are (never Rich markup)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from cchc_monitor.cli import app
from storage.adhoc import run_query
from storage.repository import Repository

runner = CliRunner()
ANSI = re.compile(r"\x1b\[[0-9;]*m")
AT_80 = {"COLUMNS": "80", "FORCE_COLOR": None, "TTY_COMPATIBLE": None, "TTY_INTERACTIVE": None}


@pytest.fixture
def db(db_path: Path) -> Path:
    with Repository(db_path):
        pass
    return db_path


def _sql(db: Path, *args: str, env: dict[str, str | None] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["sql", *args, "--db", str(db)], env=env)
    return result.exit_code, result.stdout, result.stderr


# --- the row limit -------------------------------------------------------------------------------

@pytest.mark.parametrize("rows, limit, truncated", [(50, 7, True), (8, 7, True), (7, 7, False), (3, 7, False)])
def test_run_query_says_whether_rows_were_left_out(db: Path, rows: int, limit: int, truncated: bool) -> None:
    result = run_query(db, f"select * from range({rows})", limit=limit)
    assert result.truncated is truncated
    assert result.rows == [(i,) for i in range(min(rows, limit))]
    columns, fetched = result  # still the (columns, rows) pair every caller unpacks
    assert columns == result.columns == ["range"] and fetched is result.rows


def test_run_query_refuses_a_limit_below_one(db: Path) -> None:
    from cchc_monitor.errors import QueryError

    with pytest.raises(QueryError, match="at least 1"):
        run_query(db, "select 1", limit=0)


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_sql_notes_on_stderr_when_rows_were_left_out(db: Path, fmt: str) -> None:
    code, out, err = _sql(db, "select i from range(5) t(i)", "--limit", "3", "--format", fmt)
    assert code == 0
    assert "first 3 rows; more were left out" in err and "--limit" in err
    assert "4" not in out and "first 3 rows" not in out  # the note never goes into the data
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("limit", ["5", "6"])
def test_sql_says_nothing_when_no_row_was_left_out(db: Path, limit: str) -> None:
    code, out, err = _sql(db, "select i from range(5) t(i)", "--limit", limit, "--format", "csv")
    assert code == 0 and out.splitlines() == ["i", "0", "1", "2", "3", "4"]
    assert err == ""


# --- CSV for Excel ---------------------------------------------------------------------------------

def test_csv_with_bom_starts_with_the_utf8_byte_order_mark(db: Path) -> None:
    result = runner.invoke(app, ["sql", "select 'Sa Đéc' as place", "--db", str(db), "--format", "csv", "--bom"])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbfplace\r\n")
    assert result.stdout_bytes.decode("utf-8-sig").splitlines() == ["place", "Sa Đéc"]


def test_csv_without_bom_has_none(db: Path) -> None:
    result = runner.invoke(app, ["sql", "select 'Sa Đéc' as place", "--db", str(db), "--format", "csv"])
    assert result.exit_code == 0 and result.stdout_bytes.startswith(b"place")


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_bom_with_another_format_is_an_error(db: Path, fmt: str) -> None:
    code, out, err = _sql(db, "select 1 as n", "--format", fmt, "--bom")
    assert code == 2 and out == ""
    assert "--bom only applies to --format csv" in err and fmt in err


# --- tables at 80 columns --------------------------------------------------------------------------

WIDE_ROW = {
    "tieu_de": "Thành phố Cao Lãnh chấn chỉnh tình trạng hồ sơ giải quyết trễ hạn trong công tác cải cách hành chính",
    "co_quan": "Ủy ban nhân dân tỉnh Đồng Tháp",
    "ke_hoach": "Kế hoạch cải cách hành chính năm 2026 của xã An Bình",
    "lien_ket": "https://dichvucong.dongthap.gov.vn/portal/p/home/thong-ke-ho-so-tre-han.html",
    "bo_phan": "Bộ phận tiếp nhận và trả kết quả giải quyết thủ tục hành chính",
    "chi_so": "Chỉ số hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính nhà nước (SIPAS)",
}


def _cells(table: str) -> list[str]:
    """The text of each column of a one-row Rich table, its wrapped lines joined again."""
    lines = [line for line in ANSI.sub("", table).splitlines() if line.startswith("│")]
    pieces = [[cell.strip() for cell in line.strip().strip("│").split("│")] for line in lines]
    return [" ".join(column).strip() for column in zip(*pieces, strict=True)]


def _squeezed(text: str) -> str:
    return "".join(text.split())


def _wide(columns: dict[str, str]) -> list[str]:
    query = "select " + ", ".join(f"? as {name}" for name in columns)
    return [query, *(arg for value in columns.values() for arg in ("-p", value))]


def test_a_wide_row_at_80_columns_is_wrapped_whole_with_a_hint(db: Path) -> None:
    code, out, err = _sql(db, *_wide(WIDE_ROW), env=AT_80)

    assert code == 0, err
    assert max(cell_len(line) for line in ANSI.sub("", out).splitlines()) <= 80
    for name in WIDE_ROW:
        assert name in out
    cells = _cells(out)
    assert len(cells) == len(WIDE_ROW)
    for cell, value in zip(cells, WIDE_ROW.values(), strict=True):  # wrapped (and the link folded), never cut
        assert _squeezed(cell) == _squeezed(value)
    assert "…" not in out
    assert "--format csv" in err and "--format json" in err and "wider than 80" in err


def test_so_many_columns_that_their_text_would_vanish_draw_a_wider_table(db: Path) -> None:
    """At 80 characters Rich would give 30 columns no room at all and print empty cells."""
    columns = {f"cot_{i}": f"giá trị số {i} của cột thứ {i}" for i in range(30)}
    code, out, err = _sql(db, *_wide(columns), env=AT_80)

    assert code == 0, err
    assert [_squeezed(c) for c in _cells(out)] == [_squeezed(v) for v in columns.values()]
    assert max(cell_len(line) for line in out.splitlines()) > 80  # the terminal wraps the lines: nothing is lost
    assert "--format csv" in err


def test_a_narrow_table_gets_no_hint(db: Path) -> None:
    code, out, err = _sql(db, "select 2 as n, 'Sa Đéc' as place", env=AT_80)
    assert code == 0 and "Sa Đéc" in out
    assert err == ""


# --- cells are data --------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["[red]x[/red]", "[cchc]", "[bold]Sa Đéc[/]", "[link=https://x.vn]a[/link]", ":warning:"])
def test_table_cells_and_headers_are_never_rich_markup(db: Path, value: str) -> None:
    code, out, err = _sql(db, 'select ? as "[b]tên[/b]", ? as v', "-p", value, "-p", "x", env=AT_80)
    assert code == 0, err
    assert value in out and "[b]tên[/b]" in out
