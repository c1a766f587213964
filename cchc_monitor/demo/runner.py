"""`make demo`: the demo portal and mail sink, a sources file pointing at them, and one full cycle."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any, Callable

import yaml

from cchc_monitor.demo.mailsink import MailSink
from cchc_monitor.demo.portal import DemoPortal
from cchc_monitor.settings import Settings


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


def run_demo(workdir: Path, *, keep_serving: bool, report: Callable[[dict[str, Any], Path], None]) -> None:
    """Run one cycle against the demo portal into workdir/demo.duckdb and show what arrived by mail."""
    from cchc_monitor.cli import run_cycle

    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    with DemoPortal() as portal, MailSink(workdir / "mail") as sink:
        print(f"demo portal at {portal.base} (feed {portal.feed_url}, listing {portal.listing_url})")
        settings = Settings.load(sources_file=write_sources(portal, workdir / "sources.yaml"),
                                 db_path=workdir / "demo.duckdb", notify_urls=sink.url,
                                 host_delay=0.0)  # our own portal on loopback: no politeness delay needed
        summary = run_cycle(settings, retry_delay_seconds=0)
        report(summary, settings.db_path)
        print(f"\n{len(sink.messages)} alert e-mail(s) received by the local mailbox {workdir / 'mail'}:")
        for message in sink.messages:
            print(f"  - {message['Subject']}")
        print("\nTry:\n"
              f"  .venv/bin/cchc-monitor sql \"select title, category, province from v_articles\" --db {settings.db_path}\n"
              f"  .venv/bin/cchc-monitor sql \"select * from v_backlog\" --db {settings.db_path}")
        if keep_serving:
            print(f"\nserving {portal.base} until Ctrl-C")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
