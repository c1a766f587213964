"""What the morning bulletin shows, read from the views: new plans, backlogs with their previous report,
score changes, source health and per-province trends (mixed into `Repository`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

TREND_POINTS = 5  # reports per province in the chart


def _dicts(cursor: Any) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class DigestMixin:
    """Plain rows for the digest; the alerts room turns them into its records."""

    con: duckdb.DuckDBPyConnection

    def digest_plans(self, since: datetime) -> list[dict[str, Any]]:
        """Plans first seen since then: number, year, province, issuer, title and link of the first mention."""
        return _dicts(self.con.execute(
            "SELECT p.number, p.year, coalesce(p.province_current, p.province) AS province, p.issued_by, "
            "p.first_url AS url, coalesce(a.title, p.number) AS title FROM v_plans p "
            "LEFT JOIN articles a ON a.url = p.first_url WHERE p.first_seen_at >= ? ORDER BY p.first_seen_at", [since]))

    def digest_backlog(self, since: datetime) -> list[dict[str, Any]]:
        """Late-dossier figures of stories first seen since then, each with its locality's previous report
        (same locality and tier)."""
        return _dicts(self.con.execute(
            "WITH b AS ("
            "  SELECT coalesce(a.locality, a.province) AS locality,"
            "         coalesce(a.province_current, a.province) AS province,"
            "         f.attrs->>'level' AS tier, CAST(f.value AS BIGINT) AS count, a.published AS report_date, a.url,"
            "         a.first_seen_at FROM facts f JOIN articles a ON a.id = f.article_id"
            "  JOIN story_clusters c ON c.id = a.cluster_id AND c.lead_article_id = a.id WHERE f.kind = 'backlog'),"
            " h AS (SELECT *, lag(count) OVER w AS previous, lag(report_date) OVER w AS previous_date FROM b"
            "  WINDOW w AS (PARTITION BY locality, tier ORDER BY coalesce(report_date, CAST(first_seen_at AS DATE)),"
            "               first_seen_at))"
            " SELECT locality, province, tier, count, previous, previous_date, report_date, url FROM h"
            " WHERE first_seen_at >= ? AND locality IS NOT NULL ORDER BY province, locality, tier", [since]))

    def digest_scores(self, since: datetime) -> list[dict[str, Any]]:
        """Index scores of stories first seen since then, with the same entity's previous value and rank."""
        return _dicts(self.con.execute(
            "WITH s AS ("
            "  SELECT coalesce(f.attrs->>'entity', a.locality, a.province) AS entity, f.attrs->>'index' AS index_name,"
            "         f.value, TRY_CAST(f.attrs->>'year' AS INTEGER) AS year,"
            "         TRY_CAST(regexp_extract(f.attrs->>'rank', '(\\d+)', 1) AS INTEGER) AS rank,"
            "         a.url, a.first_seen_at"
            "  FROM facts f JOIN articles a ON a.id = f.article_id"
            "  JOIN story_clusters c ON c.id = a.cluster_id AND c.lead_article_id = a.id"
            "  WHERE f.kind = 'score' AND f.value IS NOT NULL AND f.attrs->>'index' IS NOT NULL),"
            " h AS (SELECT *, lag(value) OVER w AS previous, lag(rank) OVER w AS previous_rank FROM s"
            "  WINDOW w AS (PARTITION BY entity, index_name ORDER BY year NULLS FIRST, first_seen_at))"
            " SELECT entity, index_name, value, previous, year, rank, previous_rank, url FROM h"
            " WHERE first_seen_at >= ? AND entity IS NOT NULL ORDER BY entity, index_name", [since]))

    def digest_health(self) -> list[dict[str, Any]]:
        """Sources failing now: id, name, last reason, failures in a row, URL."""
        return _dicts(self.con.execute(
            "SELECT h.source_id, h.name, coalesce(h.last_failure_reason, h.disabled_reason) AS reason, "
            "h.consecutive_failures AS failures, s.url FROM v_source_health h JOIN sources s ON s.id = h.source_id "
            "WHERE s.enabled AND (h.consecutive_failures > 0 OR h.disabled_reason IS NOT NULL) "
            "ORDER BY h.consecutive_failures DESC, h.source_id"))

    def digest_trends(self, provinces: list[str]) -> dict[str, list[tuple[Any, int]]]:
        """Per current province, its latest reports (date, largest late-dossier figure of that report: the
        total, when a report gives a total and its parts), oldest first."""
        if not provinces:
            return {}
        rows = self.con.execute(
            "WITH r AS (SELECT coalesce(province_current, province) AS province, report_date, max(count) AS count"
            "  FROM v_backlog WHERE report_date IS NOT NULL GROUP BY 1, 2) "
            "SELECT province, report_date, count FROM ("
            "  SELECT *, row_number() OVER (PARTITION BY province ORDER BY report_date DESC) AS n FROM r) "
            "WHERE n <= ? AND province IN (SELECT unnest(?)) ORDER BY province, report_date",
            [TREND_POINTS, provinces]).fetchall()
        out: dict[str, list[tuple[Any, int]]] = {}
        for province, day, count in rows:
            out.setdefault(province, []).append((day, int(count)))
        return out
