"""robots.txt rules kept across cycles for their lifetime (mixed into `Repository`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from storage.connection import translate_errors

if TYPE_CHECKING:
    import duckdb


class RobotsMixin:
    """Reads and writes of robots_rules: origin → (the rules' text or None, wall-clock expiry in seconds)."""

    con: duckdb.DuckDBPyConnection

    def robots_rules(self, now: datetime | None = None) -> dict[str, tuple[str | None, float]]:
        """The rules still valid at `now` (default: now)."""
        with translate_errors("reading robots.txt rules"):
            rows = self.con.execute("SELECT origin, body, epoch(expires_at) FROM robots_rules WHERE expires_at > ?",
                                    [now or datetime.now(UTC)]).fetchall()
        return {origin: (body, float(expires)) for origin, body, expires in rows}

    def keep_robots(self, rules: dict[str, tuple[str | None, float]]) -> None:
        """Store rules read by this cycle (replacing older ones) and drop the expired."""
        now = datetime.now(UTC)
        with translate_errors("storing robots.txt rules"):
            self.con.execute("BEGIN TRANSACTION")
            try:
                self.con.execute("DELETE FROM robots_rules WHERE expires_at <= ?", [now])
                if rules:
                    self.con.executemany(
                        "INSERT INTO robots_rules VALUES (?, ?, ?, ?) ON CONFLICT (origin) DO UPDATE SET "
                        "body = excluded.body, expires_at = excluded.expires_at, updated_at = excluded.updated_at",
                        [[o, body, datetime.fromtimestamp(expires, UTC), now] for o, (body, expires) in rules.items()])
                self.con.execute("COMMIT")
            except BaseException:
                self.con.execute("ROLLBACK")
                raise
