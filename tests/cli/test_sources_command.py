"""`cchc-monitor sources check` and `sources list` on our own loopback portal and the shipped sources file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cchc_monitor.cli import app
from cchc_monitor.demo.portal import DemoPortal
from tests.helpers import ROOT, write_sources


def test_sources_check_reports_each_source(tmp_path: Path, portal: DemoPortal, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCHC_HOST_DELAY", "0")
    sources = write_sources(tmp_path / "s.yaml", [
        {"id": "demo", "name": "Demo", "kind": "rss", "url": portal.feed_url},
        {"id": "nowhere", "name": "Không có", "kind": "rss", "url": "http://127.0.0.1:9/rss"}])
    result = CliRunner().invoke(app, ["sources", "check", "--sources", str(sources)])
    assert result.exit_code == 1
    assert "ok   demo: 3 items" in result.stdout
    assert "FAIL nowhere: fetch.connect_error" in result.stdout and "1 ok, 1 failed" in result.stdout


def test_sources_list_shows_both_province_names() -> None:
    result = CliRunner().invoke(app, ["sources", "list", "--sources", str(ROOT / "sources.yaml")])
    assert result.exit_code == 0 and "Thừa Thiên Huế" in result.stdout and "Huế" in result.stdout
