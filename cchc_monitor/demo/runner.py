"""`make demo`: the demo portal and mail sink, a sources file pointing at them, and one full cycle."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from cchc_monitor.demo.mailsink import MailSink
from cchc_monitor.demo.portal import DemoPortal
from cchc_monitor.models import CycleSummary
from cchc_monitor.settings import Settings
from flows.local import run_cycle


def write_sources(portal: DemoPortal, path: Path) -> Path:
    """A sources file with the demo portal's feed and listing page."""
    sources = {
        "sources": [
            {"id": "demo-rss", "name": "Cổng TTĐT tỉnh Demo (RSS)", "province": "Đồng Tháp",
             "kind": "rss", "url": portal.feed_url},
            {"id": "demo-cchc", "name": "Cổng TTĐT tỉnh Demo – chuyên mục CCHC", "province": "Đồng Tháp",
             "kind": "listing", "url": portal.listing_url, "link_selector": ".news-list a.title"},
        ]
    }
    path.write_text(yaml.safe_dump(sources, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@contextmanager
def notify_url(url: str) -> Iterator[None]:
    """Delivery targets are read from the environment of the process that sends (never passed as a
    parameter); the demo's is the local mailbox, for this run only."""
    before = os.environ.get("CCHC_NOTIFY_URLS")
    os.environ["CCHC_NOTIFY_URLS"] = url
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("CCHC_NOTIFY_URLS", None)
        else:
            os.environ["CCHC_NOTIFY_URLS"] = before


def run_demo(workdir: Path, *, keep_serving: bool, report: Callable[[CycleSummary, Path], None]) -> None:
    """Run one cycle against the demo portal into workdir/demo.duckdb and show what arrived by mail."""
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    with DemoPortal() as portal, MailSink(workdir / "mail") as sink:
        print(f"demo portal at {portal.base} (feed {portal.feed_url}, listing {portal.listing_url})")
        # our own portal on loopback: no politeness delay and no retry wait needed
        settings = Settings.load(sources_file=write_sources(portal, workdir / "sources.yaml"),
                                 db_path=workdir / "demo.duckdb", host_delay=0.0, retry_delay=0.0)
        with notify_url(sink.url):
            summary = run_cycle(settings.cycle_config())
        report(summary, settings.db_path)
        print(f"\n{len(sink.messages)} alert e-mail(s) received by the local mailbox {workdir / 'mail'}:")
        for message in sink.messages:
            print(f"  - {message['Subject']}")
        print("\nTry:\n"
              "  .venv/bin/cchc-monitor sql \"select title, category, province from v_articles\""
              f" --db {settings.db_path}\n"
              f"  .venv/bin/cchc-monitor sql \"select * from v_backlog\" --db {settings.db_path}")
        if keep_serving:
            print(f"\nserving {portal.base} until Ctrl-C")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
