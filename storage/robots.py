"""robots.txt rules kept across cycles for their lifetime (mixed into `Repository`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from storage.connection import translate_errors

if TYPE_CHECKING:
    import duckdb


class RobotsMixin:
    """Reads and writes of robots_rules: origin → (the rules' text or None, wall-clock expiry in seconds)."""

    con: duckdb.DuckDBPyConnection
    _transaction: Callable[[], AbstractContextManager[None]]  # Repository's BEGIN/COMMIT
    _replace_rows: Callable[[str, Sequence[str], Sequence[Sequence[object]]], None]  # Repository's set upsert

    def robots_rules(self, now: datetime | None = None) -> dict[str, tuple[str | None, float]]:
        """The rules still valid at `now` (default: now)."""
        with translate_errors("reading robots.txt rules"):
            rows = self.con.execute("SELECT origin, body, epoch(expires_at) FROM robots_rules WHERE expires_at > ?",
                                    [now or datetime.now(UTC)]).fetchall()
        return {origin: (body, float(expires)) for origin, body, expires in rows}

    def keep_robots(self, rules: dict[str, tuple[str | None, float]]) -> None:
        """Store rules read by this cycle (replacing older ones, as one set) and drop the expired."""
        now = datetime.now(UTC)
        with translate_errors("storing robots.txt rules"), self._transaction():
            self.con.execute("DELETE FROM robots_rules WHERE expires_at <= ?", [now])
            self._replace_rows("robots_rules", ("origin", "body", "expires_at", "updated_at"),
                               [(origin, body, datetime.fromtimestamp(expires, UTC), now)
                                for origin, (body, expires) in rules.items()])
