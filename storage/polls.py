"""Adaptive polling's memory: each cycle's decision per source, and when each source is due (mixed into
`Repository`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from storage.connection import translate_errors

if TYPE_CHECKING:
    import duckdb


class PollsMixin:
    """Reads and writes of poll_decisions."""

    con: duckdb.DuckDBPyConnection

    def poll_state(self, source_ids: Iterable[str]) -> dict[str, tuple[float, datetime]]:
        """source id → (its current interval in hours, when it is due) from its latest decision."""
        ids = list(dict.fromkeys(source_ids))
        if not ids:
            return {}
        rows = self.con.execute(
            "SELECT source_id, arg_max(interval_hours, decided_at), arg_max(next_poll_at, decided_at) "
            "FROM poll_decisions WHERE source_id IN (SELECT unnest(?)) GROUP BY source_id", [ids]).fetchall()
        return {i: (float(h), due) for i, h, due in rows}

    def record_polls(self, run_id: str, decisions: Iterable[tuple[str, int, int, float, str]],
                     now: datetime | None = None) -> None:
        """Keep this cycle's decisions: (source id, listed, new, interval hours, reason)."""
        now = now or datetime.now(UTC)
        rows = [[run_id, s, now, listed, new, hours, now + timedelta(hours=hours), reason]
                for s, listed, new, hours, reason in decisions]
        if not rows:
            return
        with translate_errors("recording poll decisions"):
            self.con.executemany("INSERT INTO poll_decisions VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                                 rows)
