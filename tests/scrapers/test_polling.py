"""Adaptive polling decisions (no Prefect, no network): busy halves, quiet doubles, within the bounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cchc_monitor.config import PollBounds
from cchc_monitor.models import SourceSpec
from scrapers import decide, due_sources

BOUNDS = PollBounds(min_hours=0.0, max_hours=72.0, step_hours=24.0)


@pytest.mark.parametrize("listed, new, previous, failed, hours, reason", [
    (20, 0, None, False, 0.0, "first"),      # a new source starts at the busiest
    (20, 15, 24.0, False, 12.0, "busy"),     # mostly new: we may be missing items
    (20, 0, 24.0, False, 48.0, "quiet"),     # nothing new: wait twice as long
    (20, 0, 48.0, False, 72.0, "quiet"),     # ... never past the maximum
    (20, 0, 0.0, False, 48.0, "quiet"),      # every cycle → one step (24 h), doubled
    (20, 5, 24.0, False, 24.0, "steady"),    # some new: keep the pace
    (0, 0, 24.0, False, 48.0, "quiet"),      # an unchanged feed (304) is quiet
    (0, 0, 48.0, True, 48.0, "failed"),      # a failure is the retry policy's business
    (20, 20, 0.0, False, 0.0, "busy"),       # never below the minimum
])
def test_the_next_interval_follows_the_share_of_new_items(listed: int, new: int, previous: float | None,
                                                          failed: bool, hours: float, reason: str) -> None:
    decision = decide("s", listed, new, previous, BOUNDS, failed=failed)
    assert (decision.interval_hours, decision.reason) == (hours, reason)


def test_a_source_not_due_is_left_for_a_later_cycle_unless_named() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    a, b = SourceSpec("a", "A", "rss", "https://a.gov.vn/rss"), SourceSpec("b", "B", "rss", "https://b.gov.vn/rss")
    due = {"a": now + timedelta(hours=3), "b": now - timedelta(minutes=1)}
    assert due_sources([a, b], due, now, named=False) == ([b], ["a"])
    assert due_sources([a, b], due, now, named=True) == ([a, b], [])
    assert not PollBounds(0.0, 0.0, 24.0).adaptive and BOUNDS.adaptive
