"""`cchc-monitor run` through the real flow: what it prints when no source answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cchc_monitor.cli import app
from tests.helpers import write_sources

runner = CliRunner()


@pytest.mark.flow
@pytest.mark.usefixtures("prefect_harness")
def test_run_says_plainly_when_no_source_was_reachable(tmp_path: Path, db_path: Path) -> None:
    sources = write_sources(tmp_path / "s.yaml", [
        {"id": "nowhere", "name": "Không có", "kind": "rss", "url": "http://127.0.0.1:9/rss"}])
    result = runner.invoke(app, ["run", "--sources", str(sources), "--db", str(db_path)],
                           env={"CCHC_FETCH_RETRIES": "0", "CCHC_HOST_DELAY": "0"})
    assert result.exit_code == 0, result.output
    assert "sources tried 1, failed 1" in result.stdout
    assert "No source was reachable" in result.stdout and "make demo" in result.stdout
    assert "nowhere: fetch.connect_error" in result.stdout
