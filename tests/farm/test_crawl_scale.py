"""The parts of benchmarks/crawl_scale.py that need no crawl: the fit, the ratios, the readings, the memory guard."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import pytest

from benchmarks.crawl_scale import (
    FIRST,
    NOTHING_NEW,
    OURS,
    SCALE,
    SCRAPY,
    SCRAPY_TRAFILATURA,
    SOME_NEW,
    Measure,
    fit_lines,
    fit_scale,
    flow_span,
    high_water_mb,
    least_squares,
    parse_cycle,
    peak_mb,
    ratios,
    report,
    run_measured,
    tree_memory,
)


def measure(crawler: str, run: str, wall: float, articles: int, *, portals: int = 10, delay: float = 1.0,
            cpu: float = 1.0, rss: float = 100.0, cycle: float | None = None, server_cpu: float | None = None,
            mode: str = "compare", status: int = 0) -> Measure:
    return Measure(portals, 0, delay, crawler, run, wall, cpu, rss, articles, 0, 1, status, mode, cycle_s=cycle,
                   server_cpu_s=server_cpu)


def test_least_squares_finds_the_line_through_exact_points_and_refuses_one_x() -> None:
    slope, intercept = least_squares([10, 20, 40], [350, 400, 500])
    assert slope == pytest.approx(5.0) and intercept == pytest.approx(300.0)
    with pytest.raises(ValueError):
        least_squares([10, 10], [1, 2])


def test_fit_scale_extrapolates_per_thousand_articles_from_good_runs_only() -> None:
    rows = [measure(OURS, FIRST, 100.0 * k, 10_000 * k, rss=300 + 20 * k, cycle=90.0 * k, mode=SCALE)
            for k in (1, 2, 4)]
    rows.append(measure(OURS, FIRST, 1.0, 80_000, rss=9_999, cycle=1.0, mode=SCALE, status=1))  # failed: left out
    fits = fit_scale(rows)
    slope, intercept, at_target = fits["peak_rss_mb"]
    assert slope == pytest.approx(2.0) and intercept == pytest.approx(300.0) and at_target == pytest.approx(500.0)
    assert fits["cycle_s"][2] == pytest.approx(900.0)
    assert any("peak RSS MB: +2.00 per 1,000 articles" in line and "≈ 500 (target ≤ 600)" in line
               for line in fit_lines(fits))
    assert fit_scale(rows[:1]) == {} and "no fit" in fit_lines({})[0]


def test_ratios_compare_runs_of_the_same_size_and_delay() -> None:
    rows = [measure(SCRAPY, FIRST, 20.0, 200), measure(SCRAPY_TRAFILATURA, FIRST, 40.0, 200),
            measure(OURS, FIRST, 50.0, 200, cpu=8.0, cycle=40.0, server_cpu=2.0),
            measure(OURS, NOTHING_NEW, 5.0, 200, cycle=0.8), measure(OURS, SOME_NEW, 10.0, 210, cycle=4.0),
            measure(OURS, FIRST, 9.0, 200, delay=0.0, cycle=8.0, status=1)]  # failed: no ratio at delay 0
    slow, fast = ratios(rows)
    assert (slow.portals, slow.delay, fast.delay) == (10, 1.0, 0.0)
    assert slow.wall_ratio == pytest.approx(2.5)
    assert slow.rate_ratio == pytest.approx(4.0 / 5.0)  # 200/50 against 200/40 articles per second
    assert slow.cpu_ms_per_article == pytest.approx(40.0) and slow.server_cpu_ms_per_article == pytest.approx(10.0)
    assert slow.nothing_new_ratio == pytest.approx(0.02) and slow.some_new_ratio == pytest.approx(0.1)
    assert slow.new_share == pytest.approx(0.05)
    assert fast.wall_ratio is None and fast.nothing_new_ratio is None
    text = report("# header", rows)
    assert "## Ratios" in text and "| 10 | 1 s | 50.0 | 20.0 | 2.50 |" in text and "| 2.0 % | 10.0 % | 5.0 % |" in text
    assert "## Scale" not in text


def test_parse_cycle_reads_the_sql_commands_json_line() -> None:
    line = json.dumps({"articles": 64, "cycle_s": 5.62, "timings": json.dumps({"discover": 0.7, "store": 0.2})})
    cycle = parse_cycle(line + "\n")
    assert (cycle.articles, cycle.seconds, cycle.timings) == (64, 5.62, {"discover": 0.7, "store": 0.2})
    assert parse_cycle(json.dumps({"articles": 0, "cycle_s": None, "timings": None})).timings == {}
    assert parse_cycle("").articles == -1 and parse_cycle("not json").articles == -1


def test_flow_span_runs_from_the_first_start_to_the_last_end() -> None:
    runs = [{"start_time": "2026-12-01T10:00:00+00:00", "end_time": "2026-12-01T10:00:30+00:00"},
            {"start_time": "2026-12-01T10:00:10Z", "end_time": "2026-12-01T10:01:00Z"}]
    assert flow_span(runs) == 60.0
    assert flow_span([{"start_time": "2026-12-01T10:00:00+00:00", "end_time": None}]) is None and flow_span([]) is None


def test_the_memory_guard_stops_a_process_tree_above_its_limit(tmp_path: Path) -> None:
    hog = [sys.executable, "-c", "import time; block = bytearray(300 * 2**20); block[::4096] = b'x' * len(block[::4096]); "
           "time.sleep(60)"]
    wall, _, rss, status, stopped = run_measured(hog, dict(os.environ), tmp_path / "hog.log", rss_limit_mb=150)
    assert stopped and status == -signal.SIGKILL and rss > 150 and wall < 30
    used, tree = tree_memory(os.getpid())
    assert used > 10 and tree[0] == os.getpid()


def test_the_cpu_of_a_process_that_outlives_the_command_is_counted(tmp_path: Path) -> None:
    # the command exits at once; its orphan (as a fork server is) burns 0.3 s of CPU after that
    burn = "import time\nwhile time.process_time() < 0.3: pass"
    command = [sys.executable, "-c", f"import subprocess, sys; subprocess.Popen([sys.executable, '-c', {burn!r}])"]
    _, cpu, _, status, _ = run_measured(command, dict(os.environ), tmp_path / "orphan.log")
    assert status == 0 and cpu >= 0.3


def test_a_commands_peak_is_its_own_not_the_memory_this_process_held_when_it_started_it(tmp_path: Path) -> None:
    # Linux starts a child's ru_maxrss at its parent's peak (the farm served from the harness is large)
    held = b"x" * (400 * 2**20)
    child = [sys.executable, "-c", "import time; block = b'y' * (60 * 2**20); time.sleep(0.6)"]
    _, _, rss, status, stopped = run_measured(child, dict(os.environ), tmp_path / "child.log")
    assert status == 0 and not stopped and 50 < rss < 300 and len(held) == 400 * 2**20


def test_peak_mb_trusts_ru_maxrss_only_above_what_was_inherited() -> None:
    assert peak_mb(900.0, 500.0, 700.0) == 900.0
    assert peak_mb(500.0, 500.0, 120.0) == 120.0
    assert high_water_mb(os.getpid()) > 10 and high_water_mb(2**22 + 7) == 0.0


def test_a_failed_runs_last_lines_are_printed_with_its_row_and_a_missing_log_says_so(tmp_path: Path) -> None:
    from benchmarks.crawl_scale import failure_tail

    log = tmp_path / "0.log"
    log.write_text("".join(f"line {n}\n" for n in range(30)) + "StorageError: database … could not be written\n")
    tail = failure_tail(log, lines=3).splitlines()
    assert tail == ["    | line 28", "    | line 29", "    | StorageError: database … could not be written"]
    assert failure_tail(tmp_path / "none.log") == "    | (no log)"
