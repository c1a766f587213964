"""Storage on a real DuckDB file: migrations, idempotent writes, the busy lock, read-only SQL."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, date
from pathlib import Path

import pytest

from analysis import analyze
from cchc_monitor.errors import DatabaseBusyError, QueryError
from cchc_monitor.keys import article_id, canonical_url, content_hash
from cchc_monitor.models import AlertCandidate, ArticleRecord, FetchRecord, SourceSpec
from storage.adhoc import run_query
from storage.migrations import available
from storage.repository import Repository

BODY = "Thành phố Cao Lãnh\n\nvẫn còn hồ sơ giải quyết trễ hạn (cấp thành phố là 1.416 hồ sơ)."


def _record(url: str = "https://sadec.dongthap.gov.vn/tin-tuc/a?utm_source=x") -> ArticleRecord:
    canon = canonical_url(url)
    return ArticleRecord(article_id(canon), canon, "src", "Tiêu đề", date(2026, 1, 2), BODY,
                         content_hash(BODY), "trafilatura", analyze(BODY, canon))


def _store(repo: Repository, run: str) -> tuple[int, int]:
    repo.begin_run(run, [SourceSpec("src", "Nguồn", "rss", "https://x.gov.vn/rss", province="Hậu Giang")])
    alert = AlertCandidate("backlog:1", "backlog_threshold", "tiêu đề", "nội dung")
    return repo.store_batch(run, [FetchRecord("src", "https://x.gov.vn/rss", True)], [_record()], [alert])


def test_migrations_apply_once_and_record_versions(db_path: Path) -> None:
    with Repository(db_path):
        pass
    with Repository(db_path):  # reopening applies nothing twice
        pass
    rows = run_query(db_path, "select version, name from schema_migrations order by version")[1]
    assert [r[1] for r in rows] == [name for _, name, _ in available()]


def test_storing_the_same_article_and_alert_twice_adds_nothing(db_path: Path) -> None:
    with Repository(db_path) as repo:
        assert _store(repo, "run-1") == (1, 1)
        assert _store(repo, "run-2") == (0, 0)
        assert repo.count("articles") == 1 and repo.count("alerts") == 1
        assert repo.count("fetch_log") == 2
    (province, current), = run_query(db_path, "select province, province_current from sources")[1]
    assert (province, current) == ("Hậu Giang", "Cần Thơ")  # both names kept across the 2025 merger


def test_a_sent_alert_is_never_pending_again(db_path: Path) -> None:
    with Repository(db_path) as repo:
        _store(repo, "run-1")
        (pending,) = repo.pending_alerts()
        repo.mark_alert(pending.key, sent=False, error="smtp down")
        assert [a.attempts for a in repo.pending_alerts()] == [1]
        repo.mark_alert(pending.key, sent=True)
        assert repo.pending_alerts() == []


LIFERAY = "https://portal.gov.vn/web/guest/-/asset_publisher/Ab1/content/ke-hoach-cchc"


@pytest.mark.parametrize("variant", [
    LIFERAY + "?p_p_id=101_INSTANCE_Ab1&p_p_lifecycle=0&p_p_state=normal&p_p_mode=view&redirect=%2Fweb&inheritRedirect=true",
    LIFERAY + ";jsessionid=ABCDEF0123?p_p_id=101_INSTANCE_Ab1&_101_INSTANCE_Ab1_redirect=%2Fx",
    LIFERAY.replace("https://portal", "HTTPS://Portal").replace(".vn/", ".vn:443/") + "/?p_p_id=101_INSTANCE_Ab1#comments",
])
def test_p10_liferay_url_shapes_share_one_canonical_url(variant: str) -> None:
    assert canonical_url(variant) == LIFERAY + "?p_p_id=101_INSTANCE_Ab1"


def test_canonical_urls_keep_what_identifies_a_page() -> None:
    assert canonical_url("https://x.vn/vi/news/index.php?op=a&nv=news") == canonical_url("https://x.vn/vi/news/?nv=news&op=a")
    assert "ItemID=292" in canonical_url("https://sonoivu.yenbai.gov.vn/Pages/chi-tiet.aspx?ItemID=292&utm_medium=x")


def test_canonical_urls_drop_tracking_and_case_noise() -> None:
    assert canonical_url("HTTPS://Sadec.DongThap.gov.vn:443/tin-tuc/a?utm_source=rss&id=5#top") == \
        "https://sadec.dongthap.gov.vn/tin-tuc/a?id=5"
    assert content_hash("Cải  cách\nhành chính") == content_hash("Cải cách hành chính")


def _never(seconds: float) -> None:
    raise AssertionError(f"waited {seconds} s for another writer")


def _holder(db_path: Path, *, read_only: bool) -> subprocess.Popen[str]:
    """Another process holding the file (a writer, or a reader running a long query) until its
    standard input closes."""
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, duckdb
            con = duckdb.connect({str(db_path)!r}, read_only={read_only})
            print("holding", flush=True)
            sys.stdin.read()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "holding"
    return process


def test_a_second_writer_process_gets_a_clear_busy_error(db_path: Path) -> None:
    with Repository(db_path):
        pass
    holder = _holder(db_path, read_only=False)
    try:
        with pytest.raises(DatabaseBusyError, match=rf"open for writing by .*PID {holder.pid}"):
            Repository(db_path, sleep=_never)  # another writer: an error at once, no waiting
        with pytest.raises(DatabaseBusyError, match="retry"):
            run_query(db_path, "select 1")
    finally:
        holder.communicate("")
    assert run_query(db_path, "select count(*) from articles")[1] == [(0,)]


def test_a_writer_waits_for_a_reader_to_finish_then_writes(db_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with Repository(db_path):
        pass
    reader = _holder(db_path, read_only=True)
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # the reader's query ends while the writer waits
        waits.append(seconds)
        reader.communicate("")

    try:
        with Repository(db_path, sleep=sleep) as repo:
            assert _store(repo, "run-1") == (1, 1)
    finally:
        if reader.poll() is None:
            reader.communicate("")
    assert len(waits) == 1 and run_query(db_path, "select count(*) from articles")[1] == [(1,)]
    assert "being read by" in caplog.text and f"PID {reader.pid}" in caplog.text


def test_a_writer_gives_up_on_a_reader_only_after_its_wait(db_path: Path) -> None:
    with Repository(db_path):
        pass
    now = [0.0]

    def sleep(seconds: float) -> None:  # a fake clock: the reader never finishes
        now[0] += seconds

    reader = _holder(db_path, read_only=True)
    try:
        with pytest.raises(DatabaseBusyError, match=rf"PID {reader.pid}\) has been using it for more than 30 s"):
            Repository(db_path, wait=30, sleep=sleep, clock=lambda: now[0])
    finally:
        reader.communicate("")
    assert 28 <= now[0] <= 30


def test_adhoc_sql_time_limit_is_bounded(db_path: Path) -> None:
    with Repository(db_path):
        pass
    with pytest.raises(QueryError, match="between 0 and 300"):
        run_query(db_path, "select 1", timeout=3600)


@pytest.mark.parametrize("sql", [
    "delete from articles",
    "select 1; drop table articles",
    "attach 'other.duckdb'",
    "install httpfs",
    "copy articles to 'out.csv'",
])
def test_adhoc_sql_refuses_anything_but_reading(db_path: Path, sql: str) -> None:
    with Repository(db_path):
        pass
    with pytest.raises(QueryError):
        run_query(db_path, sql)


def test_adhoc_sql_has_no_file_access(db_path: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.csv").write_text("a\n1\n")
    with Repository(db_path):
        pass
    with pytest.raises(QueryError, match="disabled"):
        run_query(db_path, f"select * from read_csv('{tmp_path / 'secret.csv'}')")


def test_adhoc_sql_binds_parameters_and_limits_rows(db_path: Path) -> None:
    with Repository(db_path) as repo:
        _store(repo, "run-1")
    columns, rows = run_query(db_path, "select kind, value from facts where kind = ?", ["backlog"])
    assert columns == ["kind", "value"] and rows == [("backlog", 1416.0)]
    assert len(run_query(db_path, "select * from range(50)", limit=7)[1]) == 7


def test_adhoc_sql_stops_a_runaway_query(db_path: Path) -> None:
    with Repository(db_path):
        pass
    with pytest.raises(QueryError, match="time limit"):
        run_query(db_path, "select count(*) from range(1000000000000) a", timeout=0.3)


def test_export_writes_every_view(db_path: Path, tmp_path: Path) -> None:
    from storage.adhoc import export_views

    with Repository(db_path) as repo:
        _store(repo, "run-1")
    written = export_views(db_path, tmp_path / "out", "csv")
    names = {p.stem for p in written}
    assert {"v_articles", "v_backlog", "v_plans", "v_scores", "v_source_health"} <= names
    backlog = (tmp_path / "out" / "v_backlog.csv").read_text(encoding="utf-8")
    assert "1416" in backlog and "cấp thành phố là 1.416 hồ sơ" in backlog


def test_a_plan_reposted_on_two_portals_is_one_plan_with_two_mentions(db_path: Path) -> None:
    text = "Kế hoạch CCHC năm 2026\n\nNgày 12/01/2026, UBND tỉnh ban hành Kế hoạch số 15/KH-UBND về cải cách hành chính."
    records = []
    for host in ("tinh.gov.vn", "huyen.tinh.gov.vn"):
        url = canonical_url(f"https://{host}/tin/ke-hoach")
        records.append(ArticleRecord(article_id(url), url, "src", "Kế hoạch", None, text + host,
                                     content_hash(text + host), "test", analyze(text, url)))
    with Repository(db_path) as repo:
        repo.begin_run("r", [SourceSpec("src", "Nguồn", "rss", "https://tinh.gov.vn/rss")])
        repo.store_batch("r", [], records, [])
    rows = run_query(db_path, "select number, mentions, year from v_plans")[1]
    assert rows == [("15/KH-UBND", 2, 2026)]


def test_plans_with_one_number_in_two_provinces_or_communes_are_distinct_and_keyed_as_their_alerts(db_path: Path) -> None:
    from alerts import detect

    text = ("Kế hoạch CCHC năm 2026\n\nNgày 12/01/2026, UBND {} ban hành Kế hoạch số 15/KH-UBND về cải cách "
            "hành chính.")
    records = []
    for issuer, host in (("tỉnh Đồng Tháp", "dongthap.gov.vn"), ("tỉnh Lâm Đồng", "lamdong.gov.vn"),
                         ("xã An Bình", "anbinh.dongthap.gov.vn"), ("xã Tân Phú", "tanphu.dongthap.gov.vn")):
        url = f"https://{host}/tin/ke-hoach"
        body = text.format(issuer)
        records.append(ArticleRecord(article_id(url), url, "src", "Kế hoạch", None, body, content_hash(body), "test",
                                     analyze(body, url)))
    with Repository(db_path) as repo:
        repo.begin_run("r", [SourceSpec("src", "Nguồn", "rss", "https://tinh.gov.vn/rss")])
        repo.store_batch("r", [], records, [])
    rows = run_query(db_path, "select plan_key, number, year, province, issued_by from v_plans "
                              "order by province, issued_by nulls first")[1]
    assert [r[1:] for r in rows] == [("15/KH-UBND", 2026, "Lâm Đồng", None), ("15/KH-UBND", 2026, "Đồng Tháp", None),
                                     ("15/KH-UBND", 2026, "Đồng Tháp", "xã An Bình"),
                                     ("15/KH-UBND", 2026, "Đồng Tháp", "xã Tân Phú")]
    alert_keys = sorted(c.key for r in records for c in detect(r, 1))
    assert alert_keys == sorted(f"new_plan:{key}" for key, *_ in rows)


def test_upgrading_rekeys_plan_alerts_already_sent(db_path: Path) -> None:
    from alerts import detect
    from storage.connection import connect
    from storage.migrations import migrate

    body = "Kế hoạch CCHC năm 2026\n\nNgày 12/01/2026, UBND tỉnh Đồng Tháp ban hành Kế hoạch số 15/KH-UBND về cải cách hành chính."
    con = connect(db_path)
    migrate(con, up_to=6)  # plan alerts were keyed by the number alone
    con.execute("INSERT INTO articles (id, url, source_id, title, published, body, content_sha256, is_cchc, category, "
                "province, province_current, run_id, first_seen_at, cluster_id) VALUES ('a1', 'https://dongthap.gov.vn/a', "
                "'src', 'Kế hoạch', NULL, ?, 'h', true, 'plan', 'Đồng Tháp', 'Đồng Tháp', 'r0', now(), 'a1')", [body])
    con.execute("INSERT INTO facts VALUES ('a1', 'document:15', 'document', NULL, 'Kế hoạch số 15/KH-UBND', 0, 1, "
                "'{\"number\": \"15/KH-UBND\", \"type\": \"Kế hoạch\", \"date\": \"2026-01-12\"}')")
    con.execute("INSERT INTO alerts VALUES ('new_plan:15/KH-UBND', 'new_plan', 'a1', 't', 'b', 'sent', 1, NULL, now(), now())")
    con.close()
    url = "https://dongthap.gov.vn/b"  # the same plan reposted after the upgrade
    repost = ArticleRecord(article_id(url), url, "src", "Kế hoạch", None, body, "h", "test", analyze(body, url))
    candidates = detect(repost, 1)
    assert [c.key for c in candidates] == ["new_plan:15/KH-UBND:2026:Đồng Tháp"]
    with Repository(db_path) as repo:
        assert repo.queue_alerts(candidates) == 0
        assert repo.pending_alerts() == []


def test_a_large_batch_is_stored_whole_and_stored_keys_are_skipped(db_path: Path) -> None:
    """7,000 articles carry 140,000 band keys: more than one DuckDB row group in one transaction."""
    text = "Tin cải cách hành chính"
    records = [ArticleRecord(f"{i:016x}", f"https://x.gov.vn/{i}", "src", "Tin", None, f"{text} {i}",
                             content_hash(f"{text} {i}"), "test", analyze(text, None), bands=tuple(range(i, i + 20)))
               for i in range(7000)]
    with Repository(db_path) as repo:
        assert repo.store_batch("r1", [], records, [])[0] == 7000
        assert repo.store_batch("r2", [], records[:10], [])[0] == 0  # stored already: left alone
        assert repo.count("article_bands") == 140_000 and repo.count("story_clusters") == 7000


def test_band_keys_outside_the_near_copy_window_are_pruned(db_path: Path) -> None:
    from datetime import datetime, timedelta

    text = "Tin cải cách hành chính"
    record = ArticleRecord("a1", "https://x.gov.vn/1", "src", "Tin", None, text, content_hash(text), "test",
                           analyze(text, None), bands=(1, 2, 3))
    with Repository(db_path) as repo:
        repo.store_batch("r", [], [record], [])
        assert repo.band_matches([2, 9]) == {2: ["a1"]}
        assert repo.prune_bands(datetime.now(UTC) - timedelta(days=90)) == 0  # still inside
        assert repo.prune_bands(datetime.now(UTC) + timedelta(seconds=1)) == 3
        assert repo.band_matches([2]) == {} and repo.known_content([record.content_sha256])  # the hash stays


def test_band_keys_of_an_older_hash_are_rebuilt_dated_by_first_sight(db_path: Path) -> None:
    from dedup import fingerprint
    from storage.connection import connect
    from storage.migrations import migrate

    body = "Xã An Bình còn 48 hồ sơ trễ hạn trong quý I/2026, chủ yếu ở lĩnh vực đất đai và xây dựng."
    con = connect(db_path)
    migrate(con, up_to=7)  # band keys from SHA-1 shingle hashes
    con.execute("INSERT INTO articles (id, url, source_id, body, content_sha256, is_cchc, category, run_id, "
                "first_seen_at, cluster_id) VALUES ('a1', 'https://xa.gov.vn/a', 'xa', ?, 'h', true, 'backlog', 'r0', "
                "TIMESTAMPTZ '2026-11-01 08:00:00+07', 'a1')", [body])
    con.execute("INSERT INTO article_bands (band_key, article_id) VALUES (11, 'a1'), (12, 'a1')")
    con.close()
    with Repository(db_path) as repo:
        assert repo.count("article_bands") == 0 and repo.band_matches([11, 12]) == {}
        waiting = repo.articles_without_bands()
        assert waiting == [("a1", body)]
        repo.store_bands({i: fingerprint(b).bands for i, b in waiting})
        assert set(repo.band_matches(fingerprint(body).bands)) == set(fingerprint(body).bands)
        seen = repo.con.execute("SELECT DISTINCT seen_at = TIMESTAMPTZ '2026-11-01 08:00:00+07' FROM article_bands")
        assert seen.fetchall() == [(True,)]


def test_a_file_that_is_not_duckdb_is_refused_untouched_and_nothing_is_downloaded(tmp_path: Path) -> None:
    import sqlite3

    from cchc_monitor.errors import StorageError

    lite = tmp_path / "lite.db"
    with sqlite3.connect(lite) as con:
        con.execute("CREATE TABLE t (x)")
    text = tmp_path / "notes.duckdb"
    text.write_text("not a database at all, but long enough to have a header\n", encoding="utf-8")
    for path, message in ((lite, "is a SQLite database, not DuckDB"), (text, "is not a DuckDB database file")):
        before = path.read_bytes()
        for opener in (lambda p: Repository(p).__enter__(), lambda p: run_query(p, "SELECT 1")):
            with pytest.raises(StorageError, match=message) as info:
                opener(path)
            assert str(info.value).count("\n") == 0 and str(path) in str(info.value)
        assert path.read_bytes() == before


def test_a_truncated_database_is_one_clear_error_and_is_never_overwritten(tmp_path: Path) -> None:
    from cchc_monitor.errors import StorageError

    whole, cut = tmp_path / "whole.duckdb", tmp_path / "cut.duckdb"
    with Repository(whole):
        pass
    for size in (100, 12288):
        cut.write_bytes(whole.read_bytes()[:size])
        before = cut.read_bytes()
        with pytest.raises(StorageError, match=rf"database {cut} is damaged or unreadable .*left untouched") as info:
            Repository(cut).__enter__()
        assert "\n" not in str(info.value)
        assert cut.read_bytes() == before


def test_connections_never_install_or_load_extensions(db_path: Path) -> None:
    from storage.connection import connect

    with Repository(db_path):
        pass
    con = connect(db_path)
    try:
        settings = dict(con.execute(
            "SELECT name, value FROM duckdb_settings() WHERE name IN ('autoinstall_known_extensions', "
            "'autoload_known_extensions')").fetchall())
    finally:
        con.close()
    assert settings == {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}


def test_a_windows_close_writes_what_it_added_and_never_merges_earlier_windows_rows(db_path: Path) -> None:
    # DuckDB's default merges appended row groups at every 2nd, 4th, 8th, 16th window (all 16 in one here),
    # rewriting every row merged so far in memory; a pruned window's row group still goes whole
    from storage.connection import connect

    def window(sql: str, *params: object) -> None:
        con = connect(db_path)
        try:
            con.execute(sql, list(params))
        finally:
            con.close()

    window("CREATE TABLE t (n BIGINT, day INTEGER, body VARCHAR)")
    for day in range(16):
        window("INSERT INTO t SELECT i, ?, repeat('cải cách hành chính ', 20) FROM range(?, ? + 2048) r(i)",
               day, day * 2048, day * 2048)
    window("DELETE FROM t WHERE day < 4")
    con = connect(db_path, read_only=True)
    try:
        groups, rows = con.execute("SELECT count(DISTINCT row_group_id), (SELECT count(*) FROM t) "
                                   "FROM pragma_storage_info('t')").fetchone()
    finally:
        con.close()
    assert (groups, rows) == (12, 12 * 2048)


def test_export_takes_a_folder_named_like_sql_as_a_plain_folder(db_path: Path, tmp_path: Path) -> None:
    from storage.adhoc import export_views

    with Repository(db_path):
        pass
    elsewhere = tmp_path / "x"
    for name in ("a'b) TO '" + str(elsewhere), 'q"uote', "semi;colon (FORMAT csv)"):
        folder = tmp_path / name
        written = export_views(db_path, folder, "csv")
        assert written and all(p.parent == folder and p.is_file() for p in written)
    assert not elsewhere.exists()


def test_a_story_shows_every_distinct_figure_of_its_members_once(db_path: Path) -> None:
    from dataclasses import replace

    texts = {"lead": "Xã An Bình còn 48 hồ sơ trễ hạn trong quý I/2026.",
             "copy": "AN BÌNH CÒN 48 HỒ SƠ TRỄ HẠN\n\nTheo báo cáo, xã An Bình còn 48 hồ sơ giải quyết trễ hạn.",
             "other": "Xã Tân Phú còn 5 hồ sơ trễ hạn và xã Mỹ Hưng còn 3 hồ sơ trễ hạn trong quý I/2026."}
    records = []
    for name, text in texts.items():
        url = canonical_url(f"https://xa.gov.vn/tin/{name}")
        records.append(ArticleRecord(article_id(url), url, "src", name, None, text, content_hash(text), "test",
                                     analyze(text, url)))
    story = records[0].id
    records = [replace(r, cluster_id=story) for r in records]  # one story, as a wrong merge would make it
    with Repository(db_path) as repo:
        repo.begin_run("r", [SourceSpec("src", "Nguồn", "rss", "https://xa.gov.vn/rss")])
        repo.store_batch("r", [], records, [])
    facts = run_query(db_path, "select count(*) from facts where kind = 'backlog'")[1][0][0]
    shown = run_query(db_path, "select count, url from v_backlog order by count")[1]
    assert facts == 4  # 48 twice (lead and copy), 5 and 3 in the other report
    assert [c for c, _ in shown] == [3, 5, 48]  # nothing hidden, the copy's 48 once
    assert shown[-1][1].endswith("/lead")  # from the lead


def test_facts_stay_unique_per_article_and_key_without_an_index_and_the_upgrade_keeps_them(db_path: Path) -> None:
    from dataclasses import replace

    from storage.connection import connect
    from storage.migrations import migrate

    con = connect(db_path)
    migrate(con, up_to=15)  # facts keyed by (article_id, fact_key)
    con.execute("INSERT INTO facts VALUES ('a0', 'backlog:1', 'backlog', 3, 'có 3 hồ sơ trễ hạn', 0, 1, NULL)")
    con.close()
    record = _record()
    twice = replace(record, body=BODY + "\n\nCập nhật.", content_sha256=content_hash(BODY + "\n\nCập nhật."),
                    analysis=analyze(BODY + "\n\nCập nhật.", record.url))
    with Repository(db_path) as repo:
        assert repo.con.execute("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'facts' "
                                "AND constraint_type IN ('PRIMARY KEY', 'UNIQUE')").fetchone() == (0,)
        repo.store_batch("r1", [], [record, record], [])  # the same article twice in one batch
        repo.store_batch("r2", [], [record], [])  # and again: stored already
        repo.store_batch("r3", [], [], [], revisions=[twice])  # its text changed: its facts are replaced
        rows = repo.con.execute("SELECT article_id, fact_key, count(*) FROM facts GROUP BY ALL ORDER BY ALL").fetchall()
    assert ("a0", "backlog:1", 1) in rows  # the upgrade kept what was stored
    assert len(rows) > 1 and all(n == 1 for *_, n in rows)


def test_earlier_reports_that_run_out_of_a_writers_memory_bound_are_read_again_without_it(
        db_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from datetime import date as day

    with Repository(db_path) as repo:
        repo.con.execute(
            "INSERT INTO articles (id, url, source_id, title, published, body, content_sha256, is_cchc, category, "
            "province, province_current, run_id, first_seen_at, cluster_id) SELECT 'a' || i, 'https://x.gov.vn/' || i, "
            "'src', 'Tin', DATE '2026-01-01' + CAST(i % 300 AS INTEGER), repeat('hồ sơ trễ hạn ', 20), 'h' || i, true, "
            "'backlog', 'Tỉnh ' || (i % 40), 'Tỉnh ' || (i % 40), 'r0', now(), 'a' || i FROM range(20000) t(i)")
        repo.con.execute("INSERT INTO story_clusters SELECT id, id, now() FROM articles")
        repo.con.execute("INSERT INTO facts SELECT id, 'backlog:' || k, 'backlog', k, 'có ' || k || ' hồ sơ trễ hạn', "
                         "0, 1, '{\"level\": \"xã\"}' FROM articles, range(3) r(k)")
        repo.con.execute("SET memory_limit = '4MB'")  # far below what the read takes
        with caplog.at_level("WARNING", logger="storage.connection"):
            repo.load_history([(f"Tỉnh {n}", "xã") for n in range(40)], [], since=day(2026, 6, 1))
        prior = repo.previous_backlog("Tỉnh 3", "xã", day(2026, 12, 1), story="another")
        bound = repo.con.execute("SELECT current_setting('memory_limit')").fetchone()
    assert "ran out of DuckDB's memory bound (3.8 MiB); read again without it" in caplog.text
    assert prior is not None and bound == ("122.0 MiB",)  # found, and the writers' bound (128 MB) set again
