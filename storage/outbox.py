"""The outbox's deliveries and the reads the alert rules compare with (mixed into `Repository`)."""

from __future__ import annotations

import itertools
import json
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from cchc_monitor.gazetteer import current_province
from cchc_monitor.models import AlertCandidate, PendingAlert, PriorFact
from storage.connection import read_rows, translate_errors

if TYPE_CHECKING:
    import duckdb

ALERT_COLUMNS = ("key", "rule", "article_id", "title", "body", "status", "attempts", "created_at", "severity",
                 "tags", "province", "reason", "operator")
DELIVERY_STATES = ("pending", "sent", "dead", "dropped")


def alert_row(c: AlertCandidate, now: datetime) -> tuple[object, ...]:
    """The outbox row of a new alert candidate."""
    return (c.key, c.rule, c.article_id, c.title, c.body, "pending", 0, now, c.severity,
            json.dumps(list(c.tags), ensure_ascii=False), c.province, json.dumps(c.reason, ensure_ascii=False),
            c.operator)


def _pending(row: tuple[Any, ...]) -> PendingAlert:
    key, title, body, attempts, rule, article_id, severity, tags, province, reason, operator = row
    return PendingAlert(key, title, body, attempts, rule, article_id, severity or "info",
                        tuple(json.loads(tags) if tags else ()), province, json.loads(reason) if reason else {},
                        bool(operator))


PENDING_SELECT = ("SELECT key, title, body, attempts, rule, article_id, severity, tags, province, reason, operator "
                  "FROM alerts")


class OutboxMixin:
    """Deliveries: one row per alert and target, sent and marked on its own."""

    con: duckdb.DuckDBPyConnection
    _transaction: Callable[[], AbstractContextManager[None]]  # Repository's BEGIN/COMMIT

    def pending_alerts(self) -> list[PendingAlert]:
        """Alerts in the outbox not yet delivered everywhere, oldest first."""
        rows = self.con.execute(f"{PENDING_SELECT} WHERE status = 'pending' ORDER BY created_at, key").fetchall()
        return [_pending(r) for r in rows]

    def pending_page(self, after: str, limit: int) -> list[PendingAlert]:
        """At most `limit` pending alerts whose key sorts after `after`, by key (a long outbox read in pages)."""
        rows = self.con.execute(f"{PENDING_SELECT} WHERE status = 'pending' AND key > ? ORDER BY key LIMIT ?",
                                [after, limit]).fetchall()
        return [_pending(r) for r in rows]

    def pending_count(self) -> int:
        """How many alerts in the outbox are not yet delivered everywhere."""
        row = self.con.execute("SELECT count(*) FROM alerts WHERE status = 'pending'").fetchone()
        return int(row[0]) if row else 0

    def alerts_by_key(self, keys: Iterable[str]) -> dict[str, PendingAlert]:
        """These alerts, whatever their status."""
        keys = list(dict.fromkeys(keys))
        if not keys:
            return {}
        rows = self.con.execute(f"{PENDING_SELECT} WHERE key IN (SELECT unnest(?))", [keys]).fetchall()
        return {r[0]: _pending(r) for r in rows}

    def add_deliveries(self, rows: Sequence[tuple[str, str, str]], now: datetime | None = None) -> int:
        """(alert key, target id, target label) deliveries to make; those already there are left alone."""
        if not rows:
            return 0
        now = now or datetime.now(UTC)
        with translate_errors("queueing deliveries"):
            before = self._count_deliveries()
            self.con.execute(  # one statement for the whole list: a flood's 2,000 rows take milliseconds
                "INSERT INTO deliveries (alert_key, target_id, target_label, status, attempts, next_attempt_at, "
                "created_at) SELECT unnest(?), unnest(?), unnest(?), 'pending', 0, ?, ? ON CONFLICT DO NOTHING",
                [[k for k, _, _ in rows], [t for _, t, _ in rows], [label for _, _, label in rows], now, now])
            return self._count_deliveries() - before

    def _count_deliveries(self) -> int:
        (count,) = self.con.execute("SELECT count(*) FROM deliveries").fetchall()[0]
        return int(count)

    def due_deliveries(self, now: datetime) -> list[tuple[int, str, str, int]]:
        """(delivery id, alert key, target id, attempts) of pending deliveries whose time has come."""
        return self.con.execute(
            "SELECT d.id, d.alert_key, d.target_id, d.attempts FROM deliveries d JOIN alerts a ON a.key = d.alert_key "
            "WHERE d.status = 'pending' AND d.next_attempt_at <= ? ORDER BY a.created_at, d.alert_key, d.id", [now]
        ).fetchall()

    def delivered_targets(self, keys: Iterable[str]) -> dict[str, set[str]]:
        """alert key → targets it already has a delivery for (any status)."""
        keys = list(dict.fromkeys(keys))
        if not keys:
            return {}
        out: dict[str, set[str]] = {k: set() for k in keys}
        for key, target in self.con.execute(
                "SELECT alert_key, target_id FROM deliveries WHERE alert_key IN (SELECT unnest(?))", [keys]).fetchall():
            out[key].add(target)
        return out

    def mark_delivery(self, delivery_id: int, *, sent: bool, error: str | None = None,
                      retry_at: datetime | None = None, dead: bool = False) -> None:
        """Record one attempt: sent, pending again at `retry_at`, or dead. Each mark is its own transaction,
        so a crash right after an answer repeats at most that one delivery."""
        status = "sent" if sent else ("dead" if dead else "pending")
        now = datetime.now(UTC)
        with translate_errors("marking a delivery"), self._transaction():
            self.con.execute(
                "UPDATE deliveries SET attempts = attempts + 1, status = ?, last_error = ?, "
                "next_attempt_at = coalesce(?, next_attempt_at), sent_at = CASE WHEN ? THEN ? ELSE sent_at END "
                "WHERE id = ?", [status, error, retry_at, sent, now, delivery_id])
            self.con.execute(
                "UPDATE alerts SET attempts = attempts + 1, last_error = ?, "
                "sent_at = CASE WHEN ? THEN ? ELSE sent_at END "
                "WHERE key = (SELECT alert_key FROM deliveries WHERE id = ?)", [error, sent, now, delivery_id])
            self._settle(delivery_id)

    def mark_sent(self, delivery_ids: Sequence[int]) -> None:
        """Record one message's deliveries as sent, in one transaction: a crash never leaves part of a
        message marked (which would send it again to the same target)."""
        if not delivery_ids:
            return
        now = datetime.now(UTC)
        ids = list(delivery_ids)
        with translate_errors("marking deliveries sent"), self._transaction():
            self.con.execute("UPDATE deliveries SET attempts = attempts + 1, status = 'sent', last_error = NULL, "
                             "sent_at = ? WHERE id IN (SELECT unnest(?))", [now, ids])
            self.con.execute("UPDATE alerts SET attempts = attempts + 1, last_error = NULL, sent_at = ? "
                             "WHERE key IN (SELECT alert_key FROM deliveries WHERE id IN (SELECT unnest(?)))",
                             [now, ids])
            self._settle_many(ids)

    def _settle_many(self, delivery_ids: list[int]) -> None:
        """_settle for many deliveries in one statement."""
        self.con.execute(
            "UPDATE alerts SET status = "
            "CASE WHEN s.sent > 0 THEN 'sent' WHEN s.dead > 0 THEN 'dead' ELSE 'dropped' END "
            "FROM (SELECT alert_key, count(*) FILTER (WHERE status = 'pending') AS pending, "
            "      count(*) FILTER (WHERE status = 'sent') AS sent, count(*) FILTER (WHERE status = 'dead') AS dead "
            "      FROM deliveries WHERE alert_key IN "
            "      (SELECT alert_key FROM deliveries WHERE id IN (SELECT unnest(?))) GROUP BY alert_key) s "
            "WHERE alerts.key = s.alert_key AND s.pending = 0", [delivery_ids])

    def _settle(self, delivery_id: int) -> None:
        """An alert with no pending delivery left is settled: sent (somewhere), dead or dropped."""
        self.con.execute(
            "UPDATE alerts SET status = "
            "CASE WHEN s.sent > 0 THEN 'sent' WHEN s.dead > 0 THEN 'dead' ELSE 'dropped' END "
            "FROM (SELECT alert_key, count(*) FILTER (WHERE status = 'pending') AS pending, "
            "      count(*) FILTER (WHERE status = 'sent') AS sent, count(*) FILTER (WHERE status = 'dead') AS dead "
            "      FROM deliveries WHERE alert_key = (SELECT alert_key FROM deliveries WHERE id = ?) "
            "      GROUP BY alert_key) s "
            "WHERE alerts.key = s.alert_key AND s.pending = 0", [delivery_id])

    def deliveries(self, status: str | None = None) -> list[tuple[Any, ...]]:
        """Rows of v_deliveries (id, alert key, rule, severity, title, target, status, attempts, last error, ...)."""
        where, params = ("WHERE status = ?", [status]) if status else ("", [])
        return self.con.execute(f"SELECT * FROM v_deliveries {where} ORDER BY id", params).fetchall()

    def retry_delivery(self, delivery_id: int) -> bool:
        """A dead, dropped or waiting delivery is tried again at the next cycle; False if there is none."""
        with translate_errors("retrying a delivery"):
            row = self.con.execute(
                "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ? "
                "WHERE id = ? AND status <> 'sent' "
                "RETURNING alert_key", [datetime.now(UTC), delivery_id]).fetchone()
            if row is not None:
                self.con.execute("UPDATE alerts SET status = 'pending' WHERE key = ?", [row[0]])
        return row is not None

    def drop_deliveries(self, *, delivery_id: int | None = None, rule: str | None = None) -> int:
        """An operator discards what should not go out: one delivery, or every unsent one of a rule."""
        with translate_errors("dropping deliveries"):
            if delivery_id is not None:
                rows = self.con.execute("UPDATE deliveries SET status = 'dropped' WHERE id = ? AND status IN "
                                        "('pending', 'dead') RETURNING id", [delivery_id]).fetchall()
            else:
                rows = self.con.execute(
                    "UPDATE deliveries SET status = 'dropped' WHERE status IN ('pending', 'dead') AND alert_key IN "
                    "(SELECT key FROM alerts WHERE rule = ?) RETURNING id", [rule]).fetchall()
                self.con.execute("UPDATE alerts SET status = 'dropped' WHERE rule = ? AND status = 'pending' AND key "
                                 "NOT IN (SELECT alert_key FROM deliveries)", [rule])
            for (dropped,) in rows:
                self._settle(dropped)
        return len(rows)

    def story_links(self, article_ids: Iterable[str]) -> dict[str, list[str]]:
        """article id → every link where its story appeared, first seen first."""
        ids = list(dict.fromkeys(i for i in article_ids if i))
        if not ids:
            return {}
        rows = self.con.execute(
            "SELECT a.id, list(o.url ORDER BY o.first_seen_at, o.url) FROM articles a "
            "JOIN articles o ON o.cluster_id = a.cluster_id WHERE a.id IN (SELECT unnest(?)) GROUP BY a.id", [ids]
        ).fetchall()
        return {i: list(urls) for i, urls in rows}

    def digest_sent(self, recipient: str, day: date, target_id: str) -> bool:
        """Whether this recipient's bulletin of that day already went to this target."""
        return bool(self.con.execute("SELECT count(*) FROM digests WHERE recipient = ? AND day = ? AND target_id = ?",
                                     [recipient, day, target_id]).fetchall()[0][0])

    def mark_digest(self, recipient: str, day: date, target_id: str) -> None:
        """Record a bulletin sent (never twice to the same target for the same day)."""
        with translate_errors("recording a digest"):
            self.con.execute("INSERT INTO digests VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                             [recipient, day, target_id, datetime.now(UTC)])


# earlier reports of a figure, newest first; {where} picks the localities or entities, {index} the tier or index
# (a total and a part at one tier, "trong đó": the total comes first)
_BACKLOG_KEY = "coalesce(a.locality, a.province), f.attrs->>'level'"
_BACKLOG_DAY = "coalesce(a.published, CAST(a.first_seen_at AS DATE))"
_BACKLOG_ORDER = f"{_BACKLOG_DAY} DESC, a.first_seen_at DESC, f.value DESC, a.id, f.fact_key"  # ties: one order
_BACKLOG_COLUMNS = f"{_BACKLOG_KEY}, f.value, a.published, a.url, a.cluster_id, {_BACKLOG_DAY}"
_BACKLOG_FROM = (
    "FROM facts f JOIN articles a ON a.id = f.article_id "
    "JOIN story_clusters c ON c.id = a.cluster_id AND c.lead_article_id = a.id "
    "WHERE f.kind = 'backlog' AND coalesce(a.locality, a.province) {where} AND (f.attrs->>'level') {index}")
BACKLOG_REPORTS = f"SELECT {_BACKLOG_COLUMNS} {_BACKLOG_FROM} ORDER BY {_BACKLOG_ORDER}"
_SCORE_KEY = "coalesce(f.attrs->>'entity', a.locality, a.province), lower(f.attrs->>'index')"
_SCORE_YEAR = "TRY_CAST(f.attrs->>'year' AS INTEGER)"
_SCORE_ORDER = f"{_SCORE_YEAR} DESC NULLS LAST, a.first_seen_at DESC, a.id, f.fact_key"
_SCORE_COLUMNS = f"{_SCORE_KEY}, f.value, a.published, a.url, f.attrs->>'rank', {_SCORE_YEAR}, a.cluster_id"
_SCORE_FROM = (
    "FROM facts f JOIN articles a ON a.id = f.article_id "
    "JOIN story_clusters c ON c.id = a.cluster_id AND c.lead_article_id = a.id "
    "WHERE f.kind = 'score' AND coalesce(f.attrs->>'entity', a.locality, a.province) {where} "
    "AND lower(f.attrs->>'index') {index}")
SCORE_REPORTS = f"SELECT {_SCORE_COLUMNS} {_SCORE_FROM} ORDER BY {_SCORE_ORDER}"
HISTORY_READ = "reading earlier reports"  # what an error or a warning of these reads says it was doing
REPORTS_KEPT = 16  # a batch read keeps this many reports per figure (and per year) past the batch's dates
# A batch's read: the reports of its figures that a lookup can reach, with how many each figure has in all.
# Backlog: every report from the batch's earliest date on, and the REPORTS_KEPT latest before it (or overall);
# scores: the REPORTS_KEPT latest per figure, and per figure and year. Each kept list is a prefix, in the
# figure's order, of what the lookup walks; a lookup that runs past a cut list reads its figure whole.
_BACKLOG_BATCH = (
    f"SELECT {_BACKLOG_COLUMNS}, count(*) OVER (PARTITION BY {_BACKLOG_KEY}) AS total "
    + _BACKLOG_FROM.format(where="IN (SELECT unnest(?))", index="IS NOT DISTINCT FROM (f.attrs->>'level')")  # any
    + f" QUALIFY {_BACKLOG_DAY} >= ? OR row_number() OVER (PARTITION BY {_BACKLOG_KEY}, "
    f"coalesce({_BACKLOG_DAY} < ?, true) ORDER BY {_BACKLOG_ORDER}) <= {REPORTS_KEPT} "
    f"ORDER BY {_BACKLOG_KEY}, {_BACKLOG_ORDER}")
_SCORE_BATCH = (
    f"SELECT {_SCORE_COLUMNS}, count(*) OVER (PARTITION BY {_SCORE_KEY}) AS total, "
    f"count(*) OVER (PARTITION BY {_SCORE_KEY}, {_SCORE_YEAR}) AS in_year, "
    f"row_number() OVER (PARTITION BY {_SCORE_KEY} ORDER BY {_SCORE_ORDER}) AS nth "
    + _SCORE_FROM.format(where="IN (SELECT unnest(?))", index="IS NOT NULL")
    + f" QUALIFY nth <= {REPORTS_KEPT} OR row_number() OVER (PARTITION BY {_SCORE_KEY}, {_SCORE_YEAR} "
    f"ORDER BY {_SCORE_ORDER}) <= {REPORTS_KEPT} ORDER BY {_SCORE_KEY}, {_SCORE_ORDER}")

Row = tuple[Any, ...]


class Reports:
    """One figure's earlier reports, newest first (all of them, or a prefix: `complete` says which), indexed
    so that a lookup skips to its date or year instead of walking every report."""

    def __init__(self, rows: list[Row], story: int, *, day: int | None = None, year: int | None = None,
                 complete: bool = True, years_complete: dict[object, bool] | None = None) -> None:
        self.rows, self.story, self.complete = rows, story, complete
        # backlog rows carry their report date (newest first): negated ordinals ascend, for bisect
        self._days = [-row[day].toordinal() for row in rows] if day is not None else []
        self._by_year: dict[object, list[Row]] = {}
        self._years_complete = years_complete or {}
        if year is not None:
            for row in rows:
                self._by_year.setdefault(row[year], []).append(row)

    def latest_before(self, day: date | None, story: str) -> tuple[Row | None, bool]:
        """The newest report dated before `day` (any, when None) from another story, and whether that answer
        is sure (found, or every report was read)."""
        start = 0 if day is None else bisect_right(self._days, -day.toordinal())
        return self._first(itertools.islice(self.rows, start, None), story, self.complete)

    def latest_of_year(self, year: int | None, story: str) -> tuple[Row | None, bool]:
        """The newest report for `year` (any year when None) from another story, and whether that answer is
        sure. Of a cut read only the first REPORTS_KEPT rows are the figure's own first ones in order."""
        if year is None:
            return self._first(itertools.islice(self.rows, None if self.complete else REPORTS_KEPT), story,
                               self.complete)
        # a batch read counted every year that has reports: a year it did not see has none
        return self._first(self._by_year.get(year, []), story, self._years_complete.get(year, True))

    def _first(self, rows: Iterable[Row], story: str, complete: bool) -> tuple[Row | None, bool]:
        for row in rows:
            if row[self.story] != story:
                return row, True
        return None, complete


def _backlog(rows: list[Row], complete: bool = True) -> Reports:
    """Rows of BACKLOG_REPORTS less its key: (value, published, url, story, date)."""
    return Reports(rows, 3, day=4, complete=complete)


def _scores(rows: list[Row], complete: bool = True, years_complete: dict[object, bool] | None = None) -> Reports:
    """Rows of SCORE_REPORTS less its key: (value, published, url, rank, year, story)."""
    return Reports(rows, 5, year=4, complete=complete, years_complete=years_complete)


class HistoryMixin:
    """What new figures are compared with: the previous report of the same locality, tier or index."""

    con: duckdb.DuckDBPyConnection

    _history: dict[tuple[object, ...], Reports]  # reports per figure, read once per window

    def _reports(self, key: tuple[object, ...], sql: str, params: Sequence[object], whole: bool = False
                 ) -> Reports:
        """One figure's earlier reports (newest first): as `load_history` read them for the batch, or else
        (or `whole`) every one of them, read here once while this connection is open."""
        if whole or key not in self._history:
            with translate_errors(HISTORY_READ):
                rows = [row[2:] for row in read_rows(self.con, sql, params, HISTORY_READ)]
            self._history[key] = _backlog(rows) if key[0] == "backlog" else _scores(rows)
        return self._history[key]

    def load_history(self, backlog: Iterable[tuple[str, str | None]], scores: Iterable[tuple[str, str]],
                     since: date | None = None) -> None:
        """Read at once what a batch's figures compare with (one query per kind): `since` is the earliest
        date a backlog lookup of the batch asks before (None: no lookup gives one)."""
        with translate_errors(HISTORY_READ):
            places = set(backlog)
            found: dict[tuple[object, ...], list[Row]] = {("backlog", *k): [] for k in places}
            if found:
                totals: dict[tuple[object, ...], int] = {}
                for row in read_rows(self.con, _BACKLOG_BATCH, [sorted({p for p, _ in places}), since, since],
                                     HISTORY_READ):
                    key: tuple[object, ...] = ("backlog", row[0], row[1])
                    if key in found:
                        found[key].append(row[2:-1])
                        totals[key] = row[-1]
                self._history.update({k: _backlog(rows, len(rows) == totals.get(k, 0)) for k, rows in found.items()})
            wanted = {("score", e, i.lower()) for e, i in scores}
            if wanted:
                rows_of: dict[tuple[object, ...], list[Row]] = {k: [] for k in wanted}
                sizes: dict[tuple[object, ...], tuple[int, dict[object, int]]] = {}
                entities = [sorted({k[1] for k in wanted})]
                for row in read_rows(self.con, _SCORE_BATCH, entities, HISTORY_READ):
                    key = ("score", row[0], row[1])
                    if key in rows_of:
                        rows_of[key].append(row[2:-3])
                        sizes.setdefault(key, (row[-3], {}))[1][row[6]] = row[-2]  # reports in all, in that year
                for key, rows in rows_of.items():
                    total, in_year = sizes.get(key, (0, {}))
                    kept = Counter(r[4] for r in rows)
                    whole_years = {y: kept[y] == n for y, n in in_year.items()}
                    self._history[key] = _scores(rows, len(rows) == total, whole_years)

    def previous_backlog(self, locality: str, tier: str | None, before: date | None, story: str) -> PriorFact | None:
        """The latest earlier late-dossier count of this locality and tier, from another story."""
        key, params = ("backlog", locality, tier), [locality, tier]
        sql = BACKLOG_REPORTS.format(where="= ?", index="IS NOT DISTINCT FROM ?")
        row, sure = self._reports(key, sql, params).latest_before(before, story)
        if not sure:
            row, _ = self._reports(key, sql, params, whole=True).latest_before(before, story)
        if row is None or row[0] is None:
            return None
        value, published, url, _, _ = row
        return PriorFact(float(value), published, url)

    def previous_score(self, entity: str, index: str, year: int | None, story: str) -> PriorFact | None:
        """The same entity's score on this index for `year` (else its latest earlier report), another story."""
        key, params = ("score", entity, index.lower()), [entity, index]
        sql = SCORE_REPORTS.format(where="= ?", index="= lower(?)")
        row, sure = self._reports(key, sql, params).latest_of_year(year, story)
        if not sure:
            row, _ = self._reports(key, sql, params, whole=True).latest_of_year(year, story)
        if row is None:
            return None
        value, published, url, rank, row_year, _ = row
        return PriorFact(None if value is None else float(value), published, url, rank, row_year)

    def planned_provinces(self) -> set[tuple[str, int]]:
        """(current province, year the plan is for) of every CCHC plan article seen (a plan announced
        without its year counts for the year it was published)."""
        rows = self.con.execute(
            "SELECT DISTINCT coalesce(province_current, province), "
            "coalesce(nullif(plan_year, 0), year(coalesce(published, CAST(first_seen_at AS DATE)))) "
            "FROM articles WHERE category = 'plan'").fetchall()
        return {(current_province(p) or p, int(y)) for p, y in rows if p and y}

    def watched_provinces(self, since: date) -> set[str]:
        """Current provinces of enabled sources that answered before `since`: only a province we were
        watching by a plan's due date can be said to have published no plan by then."""
        rows = self.con.execute(
            "SELECT DISTINCT s.province_current FROM sources s JOIN fetch_log l ON l.source_id = s.id AND l.ok "
            "WHERE s.enabled AND s.province_current IS NOT NULL GROUP BY s.id, s.province_current "
            "HAVING CAST(min(l.fetched_at) AS DATE) < ?", [since]).fetchall()
        return {r[0] for r in rows}
