"""The `cchc-monitor` console command, on top of every room: settings are read here, at the edge."""

from __future__ import annotations

from cchc_monitor.cli.main import app

__all__ = ["app"]
