"""Adaptive polling: a source whose listings keep bringing new items is read more often, a quiet one less.

As large feed crawlers do, the next interval follows the share of listed items that were new:
mostly new (we may be missing items) halves it, nothing new doubles it, anything between keeps it,
always within the configured bounds. A failure does not change it (that is the retry policy's job).
"""

from __future__ import annotations

from dataclasses import dataclass

from cchc_monitor.config import PollBounds

BUSY_SHARE = 0.5  # more than this share of listed items new: poll twice as often


@dataclass(frozen=True)
class PollDecision:
    """When to read a source again, and why (stored with each cycle, shown in v_source_health)."""

    source_id: str
    listed: int
    new: int
    interval_hours: float
    reason: str  # "busy", "quiet", "steady", "first", "failed"


def decide(source_id: str, listed: int, new: int, previous_hours: float | None, bounds: PollBounds,
           *, failed: bool = False) -> PollDecision:
    """The next interval of one source after a cycle read it (`listed` items, `new` of them unseen)."""
    def clamp(hours: float) -> float:
        return round(min(bounds.max_hours, max(bounds.min_hours, hours)), 3)

    if previous_hours is None:
        return PollDecision(source_id, listed, new, clamp(bounds.min_hours), "first")
    if failed:
        return PollDecision(source_id, listed, new, clamp(previous_hours), "failed")
    base = max(previous_hours, bounds.step_hours)  # an every-cycle source (0 h) grows by whole steps
    if listed and new / listed > BUSY_SHARE:
        return PollDecision(source_id, listed, new, clamp(previous_hours / 2), "busy")
    if new == 0:
        return PollDecision(source_id, listed, new, clamp(base * 2), "quiet")
    return PollDecision(source_id, listed, new, clamp(previous_hours), "steady")
