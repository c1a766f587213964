"""A loopback portal farm for scale benchmarks and tests: many polite-crawlable portals on 127.0.X.Y."""

from benchmarks.farm.server import FAILURE_MODES, Farm, FarmConfig, HostStats, Portal, portal_address, running_farm

__all__ = ["FAILURE_MODES", "Farm", "FarmConfig", "HostStats", "Portal", "portal_address", "running_farm"]
