"""Run a portal farm until interrupted: python -m benchmarks.farm --portals 40 --articles 20 --latency 50-200

Prints the path of the sources file it wrote (for CCHC_SOURCES_FILE), then the control URL; stats
are at <control>/stats, the next day is switched on with <control>/day?n=2.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import threading
from pathlib import Path

from benchmarks.farm.server import FAILURE_MODES, Farm, FarmConfig


def _range_ms(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    return float(low) / 1000, float(high or low) / 1000


def _failures(text: str) -> dict[int, str]:
    """'3:timeout,7:5xx' -> {3: 'timeout', 7: '5xx'}."""
    found = {}
    for part in filter(None, text.split(",")):
        index, _, mode = part.partition(":")
        if mode not in FAILURE_MODES:
            raise argparse.ArgumentTypeError(f"failure mode {mode!r} is not one of {', '.join(FAILURE_MODES)}")
        found[int(index)] = mode
    return found


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.farm", description=__doc__.splitlines()[0])
    parser.add_argument("--portals", type=int, default=40)
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--latency", type=_range_ms, default=(0.05, 0.2), help="per-request latency, ms: LOW-HIGH")
    parser.add_argument("--crawl-delay", type=float, default=None, help="robots.txt Crawl-delay (s)")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--fail-share", type=float, default=0.05, help="share of failing hosts")
    parser.add_argument("--failures", type=_failures, default=None, help="explicit failing hosts: 3:timeout,7:5xx")
    parser.add_argument("--retry-after", type=int, default=30)
    parser.add_argument("--syndicate-share", type=float, default=0.1)
    parser.add_argument("--page-kb", type=int, default=70)
    parser.add_argument("--new-share", type=float, default=0.25, help="day 2: share of portals that publish")
    parser.add_argument("--new-articles", type=int, default=4, help="day 2: articles each of them publishes")
    parser.add_argument("--day", type=int, default=1)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="folder for sources.yaml (default: a temporary one)")
    return parser.parse_args(argv)


def config_from(args: argparse.Namespace) -> FarmConfig:
    return FarmConfig(portals=args.portals, articles=args.articles, latency=args.latency,
                      crawl_delay=args.crawl_delay, seed=args.seed, fail_share=args.fail_share,
                      failures=args.failures, retry_after=args.retry_after, syndicate_share=args.syndicate_share,
                      page_bytes=args.page_kb * 1000, new_share=args.new_share, new_articles=args.new_articles,
                      port=args.port)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="portal-farm-"))
    out.mkdir(parents=True, exist_ok=True)
    farm = Farm(config_from(args))
    farm.set_day(args.day)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with farm:
        print(farm.write_sources(out / "sources.yaml"), flush=True)
        print(farm.control_url, flush=True)
        stop.wait()
    sys.exit(0)


if __name__ == "__main__":
    main()
