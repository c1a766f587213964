"""`make demo`: the demo portal, mailbox and Zalo chat, a sources file pointing at them, one cycle, one bulletin."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from cchc_monitor.demo.mailsink import MailSink
from cchc_monitor.demo.portal import DemoPortal
from cchc_monitor.demo.zalo import DemoZalo
from cchc_monitor.models import CycleSummary
from cchc_monitor.settings import Settings
from flows.local import run_cycle, run_digest


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


def write_targets(sink: MailSink, zalo: DemoZalo, path: Path) -> Path:
    """An Apprise configuration with the demo's targets: the leaders' mailbox (immediate and the morning
    bulletin) and the CCHC team's Zalo chat; private to its owner, as a real one must be."""
    config = {"urls": [{sink.url: [{"tag": "lanhdao"}]}, {zalo.url: [{"tag": "cchc"}]}]}
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    path.chmod(0o600)
    return path


def run_demo(workdir: Path, *, keep_serving: bool, report: Callable[[CycleSummary, Path], None]) -> None:
    """Run one cycle against the demo portal into workdir/demo.duckdb and show what arrived by mail."""
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    with DemoPortal() as portal, MailSink(workdir / "mail") as sink, DemoZalo(workdir / "zalo") as zalo:
        print(f"demo portal at {portal.base} (feed {portal.feed_url}, listing {portal.listing_url})")
        print(f"demo Zalo Bot API at {zalo.base}; mailbox at {sink.url.split('?')[0]}")
        # our own portal on loopback: no politeness delay and no retry wait needed
        settings = Settings.load(sources_file=write_sources(portal, workdir / "sources.yaml"),
                                 db_path=workdir / "demo.duckdb", host_delay=0.0, retry_delay=0.0,
                                 apprise_config=write_targets(sink, zalo, workdir / "apprise.yml"),
                                 zalo_bot_api=zalo.base, zalo_token_file=workdir / "zalo-tokens.json")
        summary = run_cycle(settings.cycle_config())
        report(summary, settings.db_path)
        immediate = len(sink.messages)
        print(f"\n{len(zalo.messages)} Zalo message(s) to the CCHC team's chat (saved in {workdir / 'zalo'}):")
        for chat in zalo.messages:
            print(f"  - {chat['text'].splitlines()[0]}")
        bulletins = run_digest(settings.cycle_config())
        print(f"\n{len(sink.messages)} e-mail(s) to the leaders' mailbox (saved in {workdir / 'mail'}):")
        for number, message in enumerate(sink.messages, start=1):
            kind = "alert" if number <= immediate else "morning bulletin"
            print(f"  - [{kind}] {message['Subject']}")
        sent = sum(t.sent for t in bulletins)
        print(f"\nmorning bulletin: sent to {sent} target(s); preview it with\n"
              f"  .venv/bin/cchc-monitor digest --preview data/demo/digest.html --recipient lanhdao "
              f"--db {settings.db_path}")
        db = settings.db_path
        print("\nTry:\n"
              f"  .venv/bin/cchc-monitor sql \"select title, category, province from v_articles\" --db {db}\n"
              f"  .venv/bin/cchc-monitor sql \"select rule, why, delivered from v_alerts\" --db {settings.db_path}\n"
              f"  .venv/bin/cchc-monitor alerts list --db {settings.db_path}")
        if keep_serving:
            print(f"\nserving {portal.base} until Ctrl-C")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
