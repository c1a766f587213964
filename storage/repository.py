"""The monitor's reads and batched writes against its DuckDB file (the one writer)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Sequence

from cchc_monitor.gazetteer import current_province
from cchc_monitor.models import (
    AlertCandidate,
    ArticleRecord,
    FetchRecord,
    PendingAlert,
    SourceHealth,
    SourceSpec,
)
from storage.connection import connect, translate_errors
from storage.migrations import migrate


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Repository:
    """Opens the database for writing, migrates it, and offers the monitor's operations."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.con = connect(self.path)
        with translate_errors(f"migrating {self.path}"):
            migrate(self.con)

    def close(self) -> None:
        """Release the file so other processes may open it."""
        self.con.close()

    def __enter__(self) -> Repository:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # reads -----------------------------------------------------------------------------------

    def known_article_urls(self, urls: Iterable[str]) -> set[str]:
        """Which of these canonical URLs are already stored."""
        urls = list(dict.fromkeys(urls))
        if not urls:
            return set()
        rows = self.con.execute("SELECT url FROM articles WHERE list_contains(?, url)", [urls]).fetchall()
        return {r[0] for r in rows}

    def known_content(self, hashes: Iterable[str]) -> set[str]:
        """Which of these body hashes are already stored (the same text under another URL)."""
        hashes = list(dict.fromkeys(hashes))
        if not hashes:
            return set()
        rows = self.con.execute(
            "SELECT content_sha256 FROM articles WHERE list_contains(?, content_sha256)", [hashes]
        ).fetchall()
        return {r[0] for r in rows}

    def validators(self, urls: Iterable[str]) -> dict[str, dict[str, str]]:
        """Stored ETag / Last-Modified per URL, for conditional GET."""
        urls = list(dict.fromkeys(urls))
        if not urls:
            return {}
        rows = self.con.execute(
            "SELECT url, etag, last_modified FROM http_validators WHERE list_contains(?, url)", [urls]
        ).fetchall()
        return {u: {k: v for k, v in (("etag", e), ("last_modified", m)) if v} for u, e, m in rows}

    def pending_alerts(self) -> list[PendingAlert]:
        """Alerts in the outbox not yet delivered, oldest first."""
        rows = self.con.execute(
            "SELECT key, title, body, attempts FROM alerts WHERE status = 'pending' ORDER BY created_at, key"
        ).fetchall()
        return [PendingAlert(*r) for r in rows]

    def paused_sources(self) -> dict[str, str]:
        """Sources the monitor paused (e.g. after HTTP 410 Gone), with the reason."""
        rows = self.con.execute("SELECT id, disabled_reason FROM sources WHERE disabled_reason IS NOT NULL").fetchall()
        return dict(rows)

    def source_health(self, source_ids: Iterable[str]) -> list[SourceHealth]:
        """The failure streak of these sources (v_source_health)."""
        ids = list(dict.fromkeys(source_ids))
        if not ids:
            return []
        rows = self.con.execute(
            "SELECT source_id, name, url, last_ok_at, consecutive_failures, last_failure_reason, disabled_reason, "
            "disabled_at FROM v_source_health WHERE list_contains(?, source_id) ORDER BY source_id", [ids]
        ).fetchall()
        return [SourceHealth(*r) for r in rows]

    def count(self, table: str) -> int:
        """Rows in one of our tables (for summaries and tests)."""
        if table not in {"articles", "facts", "alerts", "fetch_log", "sources", "runs"}:
            raise ValueError(table)
        return int(self.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]

    # writes (each one transaction) -----------------------------------------------------------

    def begin_run(self, run_id: str, sources: Sequence[SourceSpec]) -> None:
        """Record the run and the current source list."""
        now = _now()
        with translate_errors("recording the run"), self._transaction():
            self.con.execute("INSERT INTO runs (id, started_at) VALUES (?, ?)", [run_id, now])
            self.con.executemany(
                "INSERT INTO sources (id, name, kind, url, province, province_current, level, enabled, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                "name = excluded.name, kind = excluded.kind, url = excluded.url, province = excluded.province, "
                "province_current = excluded.province_current, level = excluded.level, "
                "enabled = excluded.enabled, updated_at = excluded.updated_at",
                [
                    [s.id, s.name, s.kind, s.url, s.province,
                     s.province_current or (current_province(s.province) if s.province else None),
                     s.level, s.enabled, now]
                    for s in sources
                ],
            )

    def store_batch(
        self,
        run_id: str,
        fetches: Sequence[FetchRecord],
        articles: Sequence[ArticleRecord],
        alerts: Sequence[AlertCandidate],
        validators: dict[str, dict[str, str]] | None = None,
        pause: dict[str, str] | None = None,
    ) -> tuple[int, int]:
        """Write fetch log rows, new articles with their facts, alert candidates, validators and
        paused sources (id → reason) in one transaction.

        Returns (articles inserted, alerts newly queued); rows already present are left alone.
        """
        now = _now()
        with translate_errors("storing the batch"), self._transaction():
            if fetches:
                self.con.executemany(
                    "INSERT INTO fetch_log (run_id, source_id, url, ok, status, reason, detail, fetched_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [[run_id, f.source_id, f.url, f.ok, f.status, f.reason, f.detail, f.at or now] for f in fetches],
                )
            before_articles = self.count("articles")
            if articles:
                self.con.executemany(
                    "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    [self._article_row(a, run_id, now) for a in articles],
                )
                fact_rows = [row for a in articles for row in self._fact_rows(a)]
                if fact_rows:
                    self.con.executemany(
                        "INSERT INTO facts VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", fact_rows
                    )
            inserted = self.count("articles") - before_articles
            before_alerts = self.count("alerts")
            if alerts:
                self.con.executemany(
                    "INSERT INTO alerts VALUES (?, ?, ?, ?, ?, 'pending', 0, NULL, ?, NULL) ON CONFLICT DO NOTHING",
                    [[c.key, c.rule, c.article_id, c.title, c.body, now] for c in alerts],
                )
            queued = self.count("alerts") - before_alerts
            if pause:
                self.con.executemany(
                    "UPDATE sources SET disabled_reason = ?, disabled_at = ? WHERE id = ? AND disabled_reason IS NULL",
                    [[reason, now, source_id] for source_id, reason in pause.items()],
                )
            if validators:
                self.con.executemany(
                    "INSERT INTO http_validators VALUES (?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET "
                    "etag = excluded.etag, last_modified = excluded.last_modified, updated_at = excluded.updated_at",
                    [[u, v.get("etag"), v.get("last_modified"), now] for u, v in validators.items()],
                )
        return inserted, queued

    def queue_alerts(self, alerts: Sequence[AlertCandidate]) -> int:
        """Put alert candidates in the outbox; a key already there is left alone. Returns how many are new."""
        if not alerts:
            return 0
        return self.store_batch("", [], [], alerts)[1]

    def enable_source(self, source_id: str) -> bool:
        """Lift a pause the monitor put on a source; False when the source is unknown or not paused."""
        with translate_errors(f"enabling source {source_id}"):
            row = self.con.execute(
                "UPDATE sources SET disabled_reason = NULL, disabled_at = NULL "
                "WHERE id = ? AND disabled_reason IS NOT NULL RETURNING id", [source_id]
            ).fetchone()
        return row is not None

    def mark_alert(self, key: str, *, sent: bool, error: str | None = None) -> None:
        """Record one delivery attempt; a sent alert is never picked up again."""
        with translate_errors("updating an alert"):
            self.con.execute(
                "UPDATE alerts SET attempts = attempts + 1, last_error = ?, "
                "status = CASE WHEN ? THEN 'sent' ELSE status END, "
                "sent_at = CASE WHEN ? THEN ? ELSE sent_at END WHERE key = ?",
                [error, sent, sent, _now(), key],
            )

    def finish_run(self, run_id: str, summary: dict[str, object]) -> None:
        """Close the run with its summary."""
        with translate_errors("closing the run"):
            self.con.execute(
                "UPDATE runs SET finished_at = ?, summary = ? WHERE id = ?",
                [_now(), json.dumps(summary, ensure_ascii=False), run_id],
            )

    # helpers -----------------------------------------------------------------------------------

    def _transaction(self) -> _Transaction:
        return _Transaction(self)

    @staticmethod
    def _article_row(a: ArticleRecord, run_id: str, now: datetime) -> list[object]:
        an = a.analysis
        return [
            a.id, a.url, a.source_id, a.title, a.published or an.published, a.body, a.content_sha256,
            an.is_cchc, an.category, an.locality, an.province,
            current_province(an.province) if an.province else None, a.extractor, run_id, now,
        ]

    @staticmethod
    def _fact_rows(a: ArticleRecord) -> list[list[object]]:
        return [
            [a.id, f.key(), f.kind, f.value, f.phrase, f.start, f.end, json.dumps(f.attrs, ensure_ascii=False)]
            for f in a.analysis.facts
        ]


class _Transaction:
    """BEGIN / COMMIT, or ROLLBACK when the block raises."""

    def __init__(self, repo: Repository) -> None:
        self.con = repo.con

    def __enter__(self) -> None:
        self.con.execute("BEGIN TRANSACTION")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.con.execute("ROLLBACK" if exc_type else "COMMIT")
