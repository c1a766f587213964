"""Crawl cost at scale over the loopback portal farm: Scrapy, Scrapy + trafilatura and CCHC Monitor's
cycle (`cchc-monitor run`), each in its own process, at the same politeness. Per farm size and host
delay, each crawler makes three runs: the first (everything new), the next day with nothing new, and
the next day with about 5 % new articles (a quarter of the portals publish 4 of 20). Measured: wall
time, CPU time and peak RSS of the crawler's process tree (os.wait4), articles stored, requests the
farm answered, and the most requests any host had in flight at once.

Usage: python -m benchmarks.crawl_scale [--sizes 10,40,160] [--delays 0,1] [--skip 160x1:scrapy,...]
       [--json FILE]   (needs the `bench` extra for Scrapy; the farm runs in a thread of this process)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.farm import Farm, FarmConfig

ROOT = Path(__file__).resolve().parents[1]
CRAWLERS = ("scrapy", "scrapy+trafilatura", "cchc-monitor")
RUNS = ("first", "next day, nothing new", "next day, 5% new")
LATENCY = (0.05, 0.2)  # seconds, uniform per request
HTTP_TIMEOUT = 10.0  # both crawlers; a farm host that never answers costs this per try
RETRIES = 2


@dataclass
class Measure:
    portals: int
    failing: int
    delay: float
    crawler: str
    run: str
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    articles: int  # stored (cchc-monitor: rows in `articles`; scrapy: article pages parsed, cumulative)
    requests: int  # answered or timed out, as the farm counted them
    max_in_flight: int  # the most requests any one host had in flight at once
    exit_status: int


def run_measured(command: list[str], env: dict[str, str], log: Path) -> tuple[float, float, float, int]:
    """Wall, CPU (user + system) seconds and peak RSS (MB) of a command's process tree, and its status."""
    with log.open("w") as out:
        started = time.monotonic()
        child = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.monotonic() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, child.returncode


def cchc_env(sources: Path, db: Path, delay: float, prefect_home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CCHC_", "PREFECT_API"))}
    env.update(CCHC_SOURCES_FILE=str(sources), CCHC_DB_PATH=str(db), CCHC_HOST_DELAY=str(delay),
               CCHC_NOTIFY_URLS="", CCHC_HTTP_TIMEOUT=str(HTTP_TIMEOUT), CCHC_FETCH_RETRIES=str(RETRIES),
               CCHC_RETRY_DELAY="1", PREFECT_HOME=str(prefect_home), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               DO_NOT_TRACK="1", PREFECT_LOGGING_LEVEL="WARNING")
    return env


def stored_articles(env: dict[str, str]) -> int:
    result = subprocess.run([str(ROOT / ".venv/bin/cchc-monitor"), "sql", "select count(*) as n from articles",
                             "--format", "csv"], env=env, capture_output=True, text=True, cwd=ROOT, timeout=120)
    lines = result.stdout.split()
    return int(lines[1]) if len(lines) == 2 else -1


def measure_crawler(farm: Farm, crawler: str, delay: float, work: Path, prefect_home: Path) -> list[Measure]:
    """The three runs of one crawler over the farm, from a fresh state."""
    folder = work / f"{crawler.replace('+', '-')}-{len(farm.portals)}-{delay:g}"
    folder.mkdir(parents=True)
    sources = farm.write_sources(folder / "sources.yaml")
    results = []
    farm.set_day(1)
    for run in RUNS:
        if run == "next day, 5% new":
            farm.set_day(2)
        farm.reset_stats()
        log = folder / f"{RUNS.index(run)}.log"
        if crawler == "cchc-monitor":
            env = cchc_env(sources, folder / "cchc.duckdb", delay, prefect_home)
            wall, cpu, rss, status = run_measured([str(ROOT / ".venv/bin/cchc-monitor"), "run"], env, log)
            articles = stored_articles(env)
        else:
            command = [sys.executable, "-m", "benchmarks.scrapy_baseline", "--sources", str(sources), "--delay",
                       str(delay), "--timeout", str(HTTP_TIMEOUT), "--retries", str(RETRIES),
                       "--state", str(folder / "state.json"), "--out", str(folder / f"{RUNS.index(run)}.json")]
            if crawler == "scrapy+trafilatura":
                command.append("--trafilatura")
            wall, cpu, rss, status = run_measured(command, dict(os.environ, PYTHONPATH=str(ROOT)), log)
            state = json.loads((folder / "state.json").read_text()) if (folder / "state.json").exists() else {}
            articles = len(state.get("seen", {}))
        stats = farm.stats()
        failing = sum(1 for p in farm.portals if p.failure)
        results.append(Measure(len(farm.portals), failing, delay, crawler, run, round(wall, 1), round(cpu, 1),
                               round(rss), articles, sum(s.requests for s in stats.values()),
                               max((s.max_in_flight for s in stats.values()), default=0), status))
        print(f"  {crawler:20} {run:24} wall {wall:7.1f} s  cpu {cpu:6.1f} s  rss {rss:5.0f} MB  "
              f"articles {articles:5d}  requests {results[-1].requests:5d}  max in flight {results[-1].max_in_flight}"
              f"  exit {status}", flush=True)
    return results


def table(rows: list[Measure]) -> str:
    lines = ["| portals × 20 | failing | host delay | crawler | run | wall s | CPU s | peak RSS MB | articles | "
             "requests | max in flight/host |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for m in rows:
        lines.append(f"| {m.portals} | {m.failing} | {m.delay:g} s | {m.crawler} | {m.run} | {m.wall_s} | {m.cpu_s} | "
                     f"{m.peak_rss_mb:g} | {m.articles} | {m.requests} | {m.max_in_flight} |"
                     + ("" if m.exit_status == 0 else f" (exit {m.exit_status})"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.crawl_scale", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,40,160")
    parser.add_argument("--delays", default="0,1")
    parser.add_argument("--crawlers", default=",".join(CRAWLERS))
    parser.add_argument("--skip", default="160x1:scrapy,160x1:scrapy+trafilatura",
                        help="SIZExDELAY:CRAWLER pairs not measured (long runs)")
    parser.add_argument("--fail-share", type=float, default=0.0,
                        help="share of failing hosts (timeout, 5xx, 429 in turn); 0 measures throughput alone")
    parser.add_argument("--json", type=Path, default=None, help="append every measurement to this JSON-lines file")
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    print(f"# crawl_scale on {platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC", flush=True)
    rows: list[Measure] = []
    with tempfile.TemporaryDirectory(prefix="crawl-scale-") as tmp:
        work = Path(tmp)
        prefect_home = work / "prefect"  # one for every cycle: the first run pays Prefect's migrations
        for delay in (float(d) for d in args.delays.split(",")):
            for size in (int(s) for s in args.sizes.split(",")):
                config = FarmConfig(portals=size, articles=20, latency=LATENCY, new_share=0.25, new_articles=4,
                                    fail_share=args.fail_share)
                with Farm(config) as farm:
                    print(f"## {size} portals × 20 articles, host delay {delay:g} s "
                          f"(failing hosts: {sum(1 for p in farm.portals if p.failure)})", flush=True)
                    for crawler in args.crawlers.split(","):
                        if f"{size}x{delay:g}:{crawler}" in skip:
                            print(f"  {crawler:20} skipped", flush=True)
                            continue
                        measured = measure_crawler(farm, crawler, delay, work, prefect_home)
                        rows += measured
                        if args.json:
                            with args.json.open("a") as out:
                                for m in measured:
                                    out.write(json.dumps(asdict(m), ensure_ascii=False) + "\n")
    print()
    print(table(rows))


if __name__ == "__main__":
    main()
