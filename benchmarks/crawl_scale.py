"""Crawl cost at scale on the loopback portal farm: CCHC Monitor's cycle against Scrapy, ratios from one invocation.

Usage: python -m benchmarks.crawl_scale [--sizes 10,40,160] [--delays 0,1] [--skip 160x1:scrapy,...]
       [--scale 500,1000,2000] [--crawlers ...] [--fail-share 0] [--latency 50-200] [--rss-limit-mb N]
       [--json FILE] [--markdown FILE]
       (needs the `bench` extra for Scrapy; the farm runs in a thread of this process; docs/scale-benchmarks.md)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.farm import Farm, FarmConfig

ROOT = Path(__file__).resolve().parents[1]
CLI = ROOT / ".venv/bin/cchc-monitor"
OURS, SCRAPY, SCRAPY_TRAFILATURA = "cchc-monitor", "scrapy", "scrapy+trafilatura"
CRAWLERS = (SCRAPY, SCRAPY_TRAFILATURA, OURS)
FIRST, NOTHING_NEW, SOME_NEW = "first", "next day, nothing new", "next day, 5% new"
RUNS = (FIRST, NOTHING_NEW, SOME_NEW)
COMPARE, SCALE = "compare", "scale"
ARTICLES_PER_PORTAL = 20
LATENCY = (0.05, 0.2)  # seconds, uniform per request
HTTP_TIMEOUT = 10.0  # both crawlers; a farm host that never answers costs this per try
RETRIES = 2
TARGET_ARTICLES = 100_000  # the country-scale cycle the scale mode extrapolates to
TARGETS = {"peak_rss_mb": 600.0, "cycle_s": 600.0, "wall_s": 600.0}  # the limits at TARGET_ARTICLES
FITTED = {"peak_rss_mb": "peak RSS MB", "cycle_s": "cycle s", "wall_s": "wall s", "cpu_s": "CPU s"}
LOG_TAIL = 20  # lines of a failed run's output printed with its row
SERVER_ENV = {"PREFECT_SERVER_LOGGING_LEVEL": "WARNING", "PREFECT_LOGGING_LEVEL": "WARNING"}
# one row whatever is stored; the runs begun since the command started (a sharded cycle may write several)
CYCLE_QUERY = ("select (select count(*) from articles) as articles, "
               "(select epoch(max(finished_at) - min(started_at)) from runs "
               "where started_at >= cast(? as timestamptz)) as cycle_s, "
               "(select summary->'timings' from runs where started_at >= cast(? as timestamptz) "
               "order by started_at desc limit 1) as timings")


@dataclass
class Measure:
    """One run of one crawler: its process tree's cost, what it stored, what the farm saw, and our cycle's own times."""

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
    mode: str = COMPARE  # or SCALE
    cycle_s: float | None = None  # cchc-monitor: max(finished_at) - min(started_at) of the run's rows in `runs`
    flow_s: float | None = None  # cchc-monitor: Prefect's top-level flow runs, last end - first start
    server_cpu_s: float | None = None  # CPU the Prefect server's processes spent during the run
    timings: dict[str, float] = field(default_factory=dict)  # the run's summary->'timings', seconds per stage
    stopped: bool = False  # killed by the memory guard (--rss-limit-mb): the machine could not hold this size
    latency_ms: str = ""  # the farm's latency per request, LOW-HIGH


@dataclass
class Cycle:
    """What the database tells about the last cycle: articles stored, its own duration and its stage timings."""

    articles: int
    seconds: float | None
    timings: dict[str, float]


@dataclass
class Server:
    """The benchmark's Prefect server: its API URL and the process group whose CPU is counted."""

    api: str
    group: int | None

    def cpu(self) -> float | None:
        """CPU seconds the server's processes have spent so far, or None where /proc cannot tell."""
        return group_cpu_seconds(self.group) if self.group is not None else None


@dataclass
class Ratios:
    """The ratios of one farm size and host delay, each from runs of the same invocation (None: not measured)."""

    portals: int
    delay: float
    ours_wall_s: float | None  # first run
    scrapy_wall_s: float | None
    wall_ratio: float | None  # ours / Scrapy
    ours_rate: float | None  # articles stored per second of wall time, first run
    trafilatura_rate: float | None  # Scrapy + trafilatura's
    rate_ratio: float | None  # ours / Scrapy + trafilatura's
    cpu_ms_per_article: float | None  # ours, first run, the cycle's process tree
    server_cpu_ms_per_article: float | None  # the Prefect server's share of the first run
    ours_cycle_s: float | None  # first run, from `runs`
    nothing_new_ratio: float | None  # cycle time, next day with nothing new / first
    some_new_ratio: float | None  # cycle time, next day with 5 % new / first
    new_share: float | None  # articles the 5%-new run added / the first run's


# measuring one process ---------------------------------------------------------------------------------


def run_measured(command: list[str], env: dict[str, str], log: Path, rss_limit_mb: float = 0.0
                 ) -> tuple[float, float, float, int, bool]:
    """Wall and CPU (user + system) s, peak RSS (MB, of its largest process), status of a command's tree, and
    whether the guard stopped it. The CPU counts every descendant, also those that outlive the command (a
    multiprocessing fork server and the workers it forked): this process adopts them (a subreaper) and
    waits for them."""
    adopt_orphans()
    before, already = resource.getrusage(resource.RUSAGE_CHILDREN), my_children()
    inherited = own_peak_mb()
    with log.open("w") as out:
        started = time.monotonic()
        child = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        guard = MemoryGuard(child.pid, rss_limit_mb)
        guard.start()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.monotonic() - started
        guard.done.set()
        guard.join()
    reap_orphans(already | {child.pid})
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    child.returncode = os.waitstatus_to_exitcode(status)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu, peak_mb(usage.ru_maxrss / 1024, inherited, guard.peak_mb), child.returncode, guard.tripped


def own_peak_mb() -> float:
    """This process's peak resident memory so far (MB): Linux carries it into a child's ru_maxrss, as the
    child (a vfork, then exec) starts on this process's memory, so a farm served from here (1,268 MB at
    5,000 portals) would be reported as the child's peak."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_mb(maxrss: float, inherited: float, polled: float) -> float:
    """The command's own peak: its ru_maxrss where that passed what it inherited from this process (then it is
    exact), else the largest VmHWM seen in its tree (each process's own high-water mark since its exec,
    read at the guard's interval, so growth in a process's last interval can be missed)."""
    return maxrss if maxrss > inherited else polled


PR_SET_CHILD_SUBREAPER = 36  # prctl(2): orphaned descendants are re-parented to this process, not to init


def adopt_orphans() -> None:
    """Make this process the reaper of its descendants' orphans (Linux), so their CPU is counted here."""
    with suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def my_children() -> set[int]:
    """The pids whose parent is this process just now (from /proc)."""
    mine = os.getpid()
    return {int(d.name) for d in Path("/proc").glob("[0-9]*") if (f := _stat_fields(d)) and int(f[1]) == mine}


def reap_orphans(known: set[int], timeout: float = 10.0) -> None:
    """Wait (up to `timeout` s) for the processes this one adopted from an ended command: its children now,
    except the `known` ones (the Prefect server, the command itself)."""
    deadline = time.monotonic() + timeout
    while (adopted := my_children() - known) and time.monotonic() < deadline:
        for pid in adopted:
            with suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
        time.sleep(0.05)


def tree_memory(root: int) -> tuple[float, list[int]]:
    """Resident memory (MB) of a process and all its descendants just now, and their pids, from /proc."""
    children: dict[int, list[int]] = {}
    pages: dict[int, int] = {}
    for pid_dir in Path("/proc").glob("[0-9]*"):
        fields = _stat_fields(pid_dir)
        if fields:
            children.setdefault(int(fields[1]), []).append(int(pid_dir.name))
            pages[int(pid_dir.name)] = int(fields[21])  # field 24, rss in pages
    tree, index = [root], 0
    while index < len(tree):
        tree += children.get(tree[index], [])
        index += 1
    return sum(pages.get(pid, 0) for pid in tree) * resource.getpagesize() / 2**20, tree


class MemoryGuard(threading.Thread):
    """Watches a process tree's memory: the largest process's high-water mark, and (with a limit above 0) kills
    the tree when its resident memory passes the limit, so a run too big for the machine stops alone."""

    def __init__(self, pid: int, limit_mb: float, interval: float = 0.25) -> None:
        super().__init__(name="memory-guard", daemon=True)
        self.pid, self.limit_mb, self.interval = pid, limit_mb, interval
        self.done, self.tripped, self.peak_mb = threading.Event(), False, 0.0

    def run(self) -> None:
        """Look every interval until the process ends or passes the limit."""
        while not self.done.wait(self.interval):
            used, tree = tree_memory(self.pid)
            self.peak_mb = max([self.peak_mb, *map(high_water_mb, tree)])
            if 0 < self.limit_mb < used:
                self.tripped = True
                for pid in tree:
                    with suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                return


def _proc_mb(path: str, field: str) -> float:
    """A "Field:   N kB" line of a /proc file, in MB; 0 where the file or the line cannot be read."""
    with suppress(OSError, ValueError, IndexError):
        for line in Path(path).read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return 0.0


def high_water_mb(pid: int) -> float:
    """A process's peak resident memory since its exec (VmHWM, MB), 0 once it is gone."""
    return _proc_mb(f"/proc/{pid}/status", "VmHWM")


def default_rss_limit_mb() -> float:
    """Half the memory available now (MemAvailable), 0 (no limit) where /proc/meminfo cannot tell."""
    return _proc_mb("/proc/meminfo", "MemAvailable") / 2


def cchc_env(sources: Path, db: Path, delay: float, prefect_home: Path, api: str) -> dict[str, str]:
    """The environment of one `cchc-monitor run` on the farm, talking to the benchmark's Prefect server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CCHC_", "PREFECT_API"))}
    env.update(CCHC_SOURCES_FILE=str(sources), CCHC_DB_PATH=str(db), CCHC_HOST_DELAY=str(delay),
               CCHC_NOTIFY_URLS="", CCHC_HTTP_TIMEOUT=str(HTTP_TIMEOUT), CCHC_FETCH_RETRIES=str(RETRIES),
               CCHC_RETRY_DELAY="1", PREFECT_HOME=str(prefect_home), PREFECT_API_URL=api,
               PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1", PREFECT_LOGGING_LEVEL="WARNING")
    return env


def parse_cycle(text: str) -> Cycle:
    """The JSON line `cchc-monitor sql --format json` prints for CYCLE_QUERY as a Cycle (-1 articles when absent)."""
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        row = json.loads(lines[0]) if len(lines) == 1 else None
        timings = row.get("timings") if isinstance(row, dict) else None
        if isinstance(timings, str):  # DuckDB's JSON values come as their text
            timings = json.loads(timings)
    except ValueError:
        row = timings = None
    if not isinstance(row, dict) or row.get("articles") is None:
        return Cycle(-1, None, {})
    seconds = row.get("cycle_s")
    return Cycle(int(row["articles"]), None if seconds is None else float(seconds),
                 {str(k): float(v) for k, v in timings.items()} if isinstance(timings, dict) else {})


def read_cycle(env: dict[str, str], since: datetime) -> Cycle:
    """Articles stored and the duration and stage timings of the cycle begun since `since`, via `cchc-monitor sql`."""
    stamp = since.isoformat()
    result = subprocess.run([str(CLI), "sql", CYCLE_QUERY, "--format", "json", "--param", stamp, "--param", stamp],
                            env=env, capture_output=True, text=True, cwd=ROOT, timeout=300)
    return parse_cycle(result.stdout)


def flow_span(flow_runs: Sequence[dict[str, Any]]) -> float | None:
    """Seconds from the first start to the last end of Prefect flow runs as the API returns them (None: unfinished)."""
    starts = [datetime.fromisoformat(r["start_time"]) for r in flow_runs if r.get("start_time")]
    ends = [datetime.fromisoformat(r["end_time"]) for r in flow_runs if r.get("end_time")]
    return (max(ends) - min(starts)).total_seconds() if starts and ends else None


def prefect_flow_seconds(api: str, since: datetime) -> float | None:
    """Prefect's own time for the top-level flow runs started since `since`, asked of the running server."""
    query = {"flow_runs": {"start_time": {"after_": since.isoformat()}, "parent_task_run_id": {"is_null_": True}},
             "sort": "START_TIME_ASC", "limit": 50}
    request = urllib.request.Request(f"{api}/flow_runs/filter", data=json.dumps(query).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (our loopback server)
            return flow_span(json.loads(answer.read()))
    except (OSError, ValueError, KeyError, TypeError):
        return None


# the Prefect server and the machine ---------------------------------------------------------------------


def _stat_fields(pid_dir: Path) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (field 3 first), or None once the process is gone."""
    try:
        text = (pid_dir / "stat").read_text()
    except OSError:
        return None
    return text[text.rfind(")") + 2:].split()


def group_cpu_seconds(group: int) -> float | None:
    """CPU seconds (user + system, waited-for children included) of the live processes of a process group."""
    ticks, found = 0, False
    for pid_dir in Path("/proc").glob("[0-9]*"):
        fields = _stat_fields(pid_dir)
        if fields and int(fields[2]) == group:
            found, ticks = True, ticks + sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK") if found else None


def server_group(parent: int) -> int | None:
    """The process group of the `prefect server start` that `parent` started (its own session, so its pid)."""
    for pid_dir in Path("/proc").glob("[0-9]*"):
        fields = _stat_fields(pid_dir)
        try:
            command = (pid_dir / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if fields and int(fields[1]) == parent and b"prefect" in command and b"server" in command:
            return int(pid_dir.name)
    return None


def free_port() -> int:
    """A TCP port free on 127.0.0.1 just now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def prefect_server(home: Path) -> Iterator[Server]:
    """One Prefect server for the whole benchmark, as `cchc-monitor serve` runs one; its start-up is in no run."""
    from flows.server import local_server  # the only engine code the harness uses

    started = time.monotonic()
    with local_server(home, free_port(), extra_env=SERVER_ENV) as api:
        print(f"# Prefect server at {api}, up in {time.monotonic() - started:.0f} s (counted in no run)", flush=True)
        yield Server(api, server_group(os.getpid()))


def raise_open_files_limit(portals: int) -> int:
    """Raise the soft limit of open files to the hard one (the crawlers inherit it); warn when it is short."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    ceiling = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if soft < ceiling:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (ceiling, hard))
            soft = ceiling
        except (ValueError, OSError):
            pass
    needed = 2 * portals + 1024  # a listener per host and a connection per host (farm side), the rest
    if soft < needed:
        print(f"# warning: {soft} open files allowed, a farm of {portals} hosts may need {needed}; "
              "raise the hard limit (ulimit -Hn) first", flush=True)
    return soft


# the runs ----------------------------------------------------------------------------------------------


def measure_crawler(farm: Farm, crawler: str, delay: float, work: Path, server: Server | None,
                    runs: Sequence[str] = RUNS, mode: str = COMPARE, rss_limit_mb: float = 0.0) -> list[Measure]:
    """The given runs of one crawler over the farm, from a fresh state, each printed as it ends."""
    folder = work / f"{mode}-{crawler.replace('+', '-')}-{len(farm.portals)}-{delay:g}"
    folder.mkdir(parents=True)
    sources = farm.write_sources(folder / "sources.yaml")
    results = []
    for index, run in enumerate(runs):
        farm.set_day(2 if run == SOME_NEW else 1)
        farm.reset_stats()
        log = folder / f"{index}.log"
        extra: dict[str, Any] = {}
        if crawler == OURS:
            assert server is not None
            env = cchc_env(sources, folder / "cchc.duckdb", delay, work / "prefect", server.api)
            since, server_before = datetime.now(UTC), server.cpu()
            wall, cpu, rss, status, stopped = run_measured([str(CLI), "run"], env, log, rss_limit_mb)
            cycle = read_cycle(env, since)
            server_after = server.cpu()
            articles = cycle.articles
            extra = {"cycle_s": _round(cycle.seconds), "flow_s": _round(prefect_flow_seconds(server.api, since)),
                     "server_cpu_s": _round(None if server_before is None or server_after is None
                                            else server_after - server_before),
                     "timings": cycle.timings}
        else:
            command = [sys.executable, "-m", "benchmarks.scrapy_baseline", "--sources", str(sources), "--delay",
                       str(delay), "--timeout", str(HTTP_TIMEOUT), "--retries", str(RETRIES),
                       "--state", str(folder / "state.json"), "--out", str(folder / f"{index}.json")]
            if crawler == SCRAPY_TRAFILATURA:
                command.append("--trafilatura")
            wall, cpu, rss, status, stopped = run_measured(command, dict(os.environ, PYTHONPATH=str(ROOT)), log,
                                                           rss_limit_mb)
            state = json.loads((folder / "state.json").read_text()) if (folder / "state.json").exists() else {}
            articles = len(state.get("seen", {}))
        stats = farm.stats()
        measure = Measure(len(farm.portals), sum(1 for p in farm.portals if p.failure), delay, crawler, run,
                          round(wall, 2), round(cpu, 2), round(rss), articles, sum(s.requests for s in stats.values()),
                          max((s.max_in_flight for s in stats.values()), default=0), status, mode, **extra,
                          stopped=stopped, latency_ms="-".join(f"{x * 1000:g}" for x in farm.config.latency))
        results.append(measure)
        print("  " + progress_line(measure), flush=True)
        if status != 0:  # the log goes with the farm's folder: why it failed is said here
            print(failure_tail(log), flush=True)
    return results


def failure_tail(log: Path, lines: int = LOG_TAIL) -> str:
    """The last `lines` lines of a failed run's log, indented, to be printed with its row."""
    text = log.read_text(encoding="utf-8", errors="replace").splitlines() if log.exists() else ["(no log)"]
    return "\n".join(f"    | {line}" for line in text[-lines:])


def _round(value: float | None, digits: int = 2) -> float | None:
    """A measured value rounded for the record, None kept."""
    return None if value is None else round(value, digits)


def progress_line(m: Measure) -> str:
    """The one line printed when a run ends."""
    ours = (f"  cycle {fmt(m.cycle_s)} s  flow {fmt(m.flow_s)} s  server cpu {fmt(m.server_cpu_s)} s"
            if m.crawler == OURS else "")
    return (f"{m.crawler:20} {m.run:24} wall {m.wall_s:7.1f} s  cpu {m.cpu_s:6.1f} s  rss {m.peak_rss_mb:5.0f} MB  "
            f"articles {m.articles:6d}  requests {m.requests:6d}  max in flight {m.max_in_flight}{ours}"
            f"  exit {m.exit_status}" + ("  STOPPED at the RSS limit" if m.stopped else ""))


# what the runs say -------------------------------------------------------------------------------------


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, None when either is missing or the denominator is 0."""
    return numerator / denominator if numerator is not None and denominator else None


def find(rows: Sequence[Measure], portals: int, delay: float, crawler: str, run: str) -> Measure | None:
    """The comparison run of that crawler at that farm size and delay, if it was measured and exited 0."""
    return next((m for m in rows if m.mode == COMPARE and (m.portals, m.delay, m.crawler, m.run) ==
                 (portals, delay, crawler, run) and m.exit_status == 0), None)


def articles_per_second(m: Measure | None) -> float | None:
    """Articles the run stored per second of its wall time."""
    return ratio(m.articles, m.wall_s) if m is not None and m.articles > 0 else None


def per_article_ms(seconds: float | None, m: Measure | None) -> float | None:
    """Milliseconds per article the run stored."""
    return ratio(None if seconds is None else seconds * 1000, m.articles if m is not None else None)


def ratios(rows: Sequence[Measure]) -> list[Ratios]:
    """Per farm size and host delay of the comparison, in the order measured, the ratios of its runs."""
    found = []
    for portals, delay in dict.fromkeys((m.portals, m.delay) for m in rows if m.mode == COMPARE):
        ours, scrapy, trafilatura, quiet, busy = (find(rows, portals, delay, crawler, run) for crawler, run in (
            (OURS, FIRST), (SCRAPY, FIRST), (SCRAPY_TRAFILATURA, FIRST), (OURS, NOTHING_NEW), (OURS, SOME_NEW)))
        first_cycle = ours.cycle_s if ours else None
        found.append(Ratios(
            portals, delay, ours.wall_s if ours else None, scrapy.wall_s if scrapy else None,
            ratio(ours.wall_s if ours else None, scrapy.wall_s if scrapy else None),
            articles_per_second(ours), articles_per_second(trafilatura),
            ratio(articles_per_second(ours), articles_per_second(trafilatura)),
            per_article_ms(ours.cpu_s if ours else None, ours),
            per_article_ms(ours.server_cpu_s if ours else None, ours), first_cycle,
            ratio(quiet.cycle_s if quiet else None, first_cycle), ratio(busy.cycle_s if busy else None, first_cycle),
            ratio(busy.articles - ours.articles, ours.articles) if busy and ours and ours.articles > 0 else None))
    return found


def least_squares(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float]:
    """Slope and intercept of the least-squares line through the points (two distinct xs at least)."""
    if len(xs) != len(ys) or len(set(xs)) < 2:
        raise ValueError("a line needs two points with distinct x at least")
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = (sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
             / sum((x - mean_x) ** 2 for x in xs))
    return slope, mean_y - slope * mean_x


def fit_scale(rows: Sequence[Measure], target: int = TARGET_ARTICLES) -> dict[str, tuple[float, float, float]]:
    """Per fitted measure of the scale runs: (slope per 1,000 articles, intercept, value at `target` articles)."""
    good = [m for m in rows if m.mode == SCALE and m.exit_status == 0 and m.articles > 0]
    fits = {}
    for name in FITTED:
        points = [(m.articles / 1000, getattr(m, name)) for m in good if getattr(m, name) is not None]
        if len({x for x, _ in points}) >= 2:
            slope, intercept = least_squares([x for x, _ in points], [y for _, y in points])
            fits[name] = (slope, intercept, intercept + slope * target / 1000)
    return fits


# tables ------------------------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 1) -> str:
    """A figure for a table, a dash when not measured."""
    return "—" if value is None else f"{value:.{digits}f}"


def stages(timings: dict[str, float]) -> str:
    """The stage timings of a run, on one line."""
    return " · ".join(f"{stage} {seconds:.1f}" for stage, seconds in timings.items()) or "—"


def markdown_table(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A Markdown table of these columns and rows of cells."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def run_name(m: Measure) -> str:
    """The run's name, with its exit status when it was not 0."""
    return m.run + (" (stopped at the RSS limit)" if m.stopped else "" if m.exit_status == 0
                    else f" (exit {m.exit_status})")


def table(rows: Sequence[Measure]) -> str:
    """The comparison runs as a Markdown table."""
    return markdown_table(
        ["portals × 20", "failing", "host delay", "crawler", "run", "wall s", "CPU s", "peak RSS MB", "articles",
         "requests", "max in flight/host", "cycle s", "flow s", "server CPU s", "stages s"],
        ([str(m.portals), str(m.failing), f"{m.delay:g} s", m.crawler, run_name(m), fmt(m.wall_s), fmt(m.cpu_s),
          f"{m.peak_rss_mb:g}", str(m.articles), str(m.requests), str(m.max_in_flight), fmt(m.cycle_s, 2),
          fmt(m.flow_s, 2), fmt(m.server_cpu_s), stages(m.timings)] for m in rows))


def ratio_table(found: Sequence[Ratios]) -> str:
    """The ratios as a Markdown table."""
    return markdown_table(
        ["portals × 20", "host delay", "ours wall s", "Scrapy wall s", "ours / Scrapy wall", "ours articles/s",
         "Scrapy+trafilatura articles/s", "ours / S+T articles/s", "ours CPU ms/article", "server CPU ms/article",
         "ours cycle s", "nothing new / first (cycle)", "5% new / first (cycle)", "new share"],
        ([str(r.portals), f"{r.delay:g} s", fmt(r.ours_wall_s), fmt(r.scrapy_wall_s), fmt(r.wall_ratio, 2),
          fmt(r.ours_rate), fmt(r.trafilatura_rate), fmt(r.rate_ratio, 2), fmt(r.cpu_ms_per_article),
          fmt(r.server_cpu_ms_per_article), fmt(r.ours_cycle_s, 2), percent(r.nothing_new_ratio),
          percent(r.some_new_ratio), percent(r.new_share)] for r in found))


def percent(value: float | None) -> str:
    """A ratio as a percentage, a dash when not measured."""
    return "—" if value is None else f"{value * 100:.1f} %"


def scale_table(rows: Sequence[Measure]) -> str:
    """The scale runs as a Markdown table."""
    return markdown_table(
        ["portals × 20", "run", "articles", "wall s", "cycle s", "flow s", "CPU s", "server CPU s", "peak RSS MB",
         "articles/s (cycle)", "articles/s (wall)", "CPU ms/article", "stages s"],
        ([str(m.portals), run_name(m), str(m.articles), fmt(m.wall_s), fmt(m.cycle_s, 2), fmt(m.flow_s, 2),
          fmt(m.cpu_s), fmt(m.server_cpu_s), f"{m.peak_rss_mb:g}",
          fmt(ratio(m.articles, m.cycle_s) if m.articles > 0 else None), fmt(articles_per_second(m)),
          fmt(per_article_ms(m.cpu_s, m) if m.articles > 0 else None), stages(m.timings)] for m in rows))


def fit_lines(fits: dict[str, tuple[float, float, float]], target: int = TARGET_ARTICLES) -> list[str]:
    """The least-squares fits and their extrapolation to `target` articles, a Markdown bullet each."""
    if not fits:
        return ["- no fit: it needs two scale runs of different sizes that exited 0"]
    lines = []
    for name, (slope, intercept, at_target) in fits.items():
        limit = f" (target ≤ {TARGETS[name]:g})" if name in TARGETS else ""
        lines.append(f"- {FITTED[name]}: {slope:+.2f} per 1,000 articles (intercept {intercept:.1f}); "
                     f"at {target:,} articles ≈ {at_target:.0f}{limit}")
    return lines


def report(header: str, rows: Sequence[Measure]) -> str:
    """Everything measured so far as Markdown: the comparison, its ratios, the scale runs and their fit."""
    compare = [m for m in rows if m.mode == COMPARE]
    scale = [m for m in rows if m.mode == SCALE]
    parts = [header, ""]
    if compare:
        parts += ["## Runs", "", table(compare), "", "## Ratios (each from runs of this invocation)", "",
                  ratio_table(ratios(rows)), ""]
    if scale:
        parts += ["## Scale: cchc-monitor alone, host delay 0, first run", "", scale_table(scale), "",
                  *fit_lines(fit_scale(rows)), ""]
    return "\n".join(parts)


# the command -------------------------------------------------------------------------------------------


def latency_ms(text: str) -> tuple[float, float]:
    """'50-200' (milliseconds) -> (0.05, 0.2) seconds; '0' -> no latency."""
    low, _, high = text.partition("-")
    return float(low) / 1000, float(high or low) / 1000


def sizes(text: str | None) -> list[int]:
    """'10,40,160' -> [10, 40, 160]."""
    return [int(s) for s in (text or "").split(",") if s.strip()]


def main(argv: list[str] | None = None) -> None:
    """Run the comparison and the scale mode asked for, printing each run, then the tables."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.crawl_scale", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=None,
                        help="farm sizes (portals × 20) of the comparison; default 10,40,160 unless --scale alone")
    parser.add_argument("--delays", default="0,1", help="host delays (s) of the comparison")
    parser.add_argument("--crawlers", default=",".join(CRAWLERS), help="crawlers of the comparison")
    parser.add_argument("--skip", default="160x1:scrapy,160x1:scrapy+trafilatura",
                        help="SIZExDELAY:CRAWLER pairs not measured (long runs); '' measures all")
    parser.add_argument("--scale", default=None,
                        help="farm sizes of the scale mode: cchc-monitor alone, host delay 0, first run only")
    parser.add_argument("--fail-share", type=float, default=0.0,
                        help="share of failing hosts (timeout, 5xx, 429 in turn); 0 measures throughput alone")
    parser.add_argument("--latency", type=latency_ms, default=LATENCY,
                        help="the farm's latency per request, ms: LOW-HIGH (default 50-200)")
    parser.add_argument("--rss-limit-mb", type=float, default=None,
                        help="kill a crawler whose process tree holds more MB (default: half of what is free; 0: none)")
    parser.add_argument("--json", type=Path, default=None, help="append every measurement to this JSON-lines file")
    parser.add_argument("--markdown", type=Path, default=None,
                        help="write the tables and ratios to this file (rewritten after every run)")
    args = parser.parse_args(argv)
    compare_sizes, scale_sizes = sizes(args.sizes), sizes(args.scale)
    if args.sizes is None and not scale_sizes:
        compare_sizes = [10, 40, 160]
    crawlers = [c for c in args.crawlers.split(",") if c]
    skip = set(filter(None, args.skip.split(",")))
    open_files = raise_open_files_limit(max([*compare_sizes, *scale_sizes], default=0))
    limit = default_rss_limit_mb() if args.rss_limit_mb is None else args.rss_limit_mb
    header = (f"# crawl_scale on {platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, "
              f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, farm latency "
              f"{args.latency[0] * 1000:g}-{args.latency[1] * 1000:g} ms, {open_files} open files allowed, "
              + (f"a crawler stopped above {limit:.0f} MB" if limit > 0 else "no memory limit"))
    print(header, flush=True)
    rows: list[Measure] = []

    def record(measured: list[Measure]) -> None:
        """Keep the runs, append them to --json and rewrite --markdown."""
        rows.extend(measured)
        if args.json:
            with args.json.open("a") as out:
                for m in measured:
                    out.write(json.dumps(asdict(m), ensure_ascii=False) + "\n")
        if args.markdown:
            args.markdown.write_text(report(header, rows), encoding="utf-8")

    needs_server = bool(scale_sizes) or (OURS in crawlers and bool(compare_sizes))
    with tempfile.TemporaryDirectory(prefix="crawl-scale-") as tmp, \
            (prefect_server(Path(tmp) / "prefect-server") if needs_server else nullcontext()) as server:
        work = Path(tmp)
        for delay in (float(d) for d in args.delays.split(",") if d) if compare_sizes else ():
            for size in compare_sizes:
                with built_farm(size, args.fail_share, args.latency) as farm:
                    print(f"## {size} portals × 20 articles, host delay {delay:g} s "
                          f"(failing hosts: {sum(1 for p in farm.portals if p.failure)})", flush=True)
                    for crawler in crawlers:
                        if f"{size}x{delay:g}:{crawler}" in skip:
                            print(f"  {crawler:20} skipped", flush=True)
                            continue
                        record(measure_crawler(farm, crawler, delay, work, server, rss_limit_mb=limit))
        for size in scale_sizes:
            with built_farm(size, args.fail_share, args.latency) as farm:
                print(f"## scale: {size} portals × 20 articles, host delay 0 s, cchc-monitor, first run", flush=True)
                record(measure_crawler(farm, OURS, 0.0, work, server, runs=(FIRST,), mode=SCALE, rss_limit_mb=limit))
            if rows[-1].stopped:
                print("# the scale mode stops here: a larger farm would not fit either", flush=True)
                break
        if scale_sizes and args.json:
            with args.json.open("a") as out:
                out.write(json.dumps({"mode": "scale-fit", "target_articles": TARGET_ARTICLES, **{
                    name: {"per_1000_articles": round(s, 3), "intercept": round(i, 3), "at_target": round(t, 1)}
                    for name, (s, i, t) in fit_scale(rows).items()}}) + "\n")
    print()
    print(report(header, rows))


@contextmanager
def built_farm(portals: int, fail_share: float, latency: tuple[float, float] = LATENCY) -> Iterator[Farm]:
    """A running farm of `portals` × 20 articles, its build time printed."""
    started = time.monotonic()
    config = FarmConfig(portals=portals, articles=ARTICLES_PER_PORTAL, latency=latency, new_share=0.25,
                        new_articles=4, fail_share=fail_share)
    with Farm(config) as farm:
        print(f"# farm of {portals} hosts built and listening in {time.monotonic() - started:.1f} s", flush=True)
        yield farm


if __name__ == "__main__":
    main()
