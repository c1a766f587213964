"""The policy file and the rules that compare with earlier reports, against a real DuckDB file as history."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from alerts import evaluate, load_policy, missing_plans
from alerts.policy import Policy, Recipient, Rule
from analysis import analyze
from cchc_monitor.errors import ConfigError
from cchc_monitor.keys import article_id, content_hash
from cchc_monitor.models import ArticleRecord, SourceSpec
from storage.repository import Repository

SOURCE = SourceSpec("src", "Cổng An Bình", "rss", "https://anbinh.gov.vn/rss", province="Đồng Tháp")


def _record(ident: str, text: str, published: date, url: str | None = None) -> ArticleRecord:
    url = url or f"https://anbinh.gov.vn/{ident}"
    return ArticleRecord(article_id(url), url, "src", text.split("\n")[0], published, text, content_hash(text),
                         "test", analyze(text, url), cluster_id=article_id(url))


def _store(repo: Repository, *records: ArticleRecord) -> None:
    repo.begin_run("r", [SOURCE])
    repo.store_batch("r", [], list(records), [])


def _policy(*rules: Rule, **extra: object) -> Policy:
    return Policy.model_validate({"rules": [r.model_dump() for r in rules], **extra})


def _backlog(count: str, day: str) -> str:
    return (f"Xã An Bình, Đồng Tháp: báo cáo công tác cải cách hành chính ngày {day}\n\n"
            f"Theo báo cáo, toàn xã còn {count} hồ sơ giải quyết trễ hạn trong kỳ.")


def test_the_shipped_policy_loads_and_a_bad_file_names_itself_and_the_entry(tmp_path: Path) -> None:
    shipped = load_policy(None)
    assert {r.kind for r in shipped.rules} >= {"new_plan", "backlog_threshold", "backlog_up", "missing_plan"}
    bad = tmp_path / "alerts.yaml"
    cases = {
        "rules:\n  - {id: x, kind: nosuch}\n": "rules.0.kind",
        "rules:\n  - {id: low, kind: score_below}\n": "needs 'below'",
        "rules:\n  - {id: a, kind: new_plan}\n  - {id: a, kind: new_plan}\n": "used twice: a",
        "rules: []\nrecipients:\n  - {tag: t, rules: [zzz]}\n": "unknown rules",
        "rules: []\nrecipients:\n  - {tag: t, provinces: [Atlantis]}\n": "unknown province",
        "rules: [\n": "line",
    }
    for text, expected in cases.items():
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError, match=expected) as info:
            load_policy(bad)
        assert str(bad) in str(info.value)


def test_a_subscription_matches_current_and_former_province_names() -> None:
    leader = Recipient(tag="lanhdao-cantho", provinces=("Hậu Giang",), rules=("backlog_up",))  # merged into Cần Thơ
    assert leader.wants("backlog_up", "Cần Thơ") and leader.wants("backlog_up", "Sóc Trăng")
    assert not leader.wants("backlog_up", "Đồng Tháp") and not leader.wants("new_plan", "Cần Thơ")
    assert not leader.wants("backlog_up", None)


def test_backlog_up_compares_a_locality_with_its_own_previous_report(db_path: Path) -> None:
    rule = Rule(id="up", kind="backlog_up", min_increase=1, min_percent=10, severity="warning", recipients=("cchc",))
    with Repository(db_path) as repo:
        _store(repo, _record("q3", _backlog("1.104", "10/10/2026"), date(2026, 10, 10)))
        (alert,) = evaluate(_record("q4", _backlog("1.416", "05/01/2027"), date(2027, 1, 5)), _policy(rule), repo, 1)
        assert alert.reason["summary"] == "1.416 hồ sơ trễ hạn, tăng 312 so với báo cáo ngày 10/10/2026"
        assert alert.reason["compared_with"] == 1104 and alert.reason["phrase"] and alert.tags == ("cchc",)
        assert alert.severity == "warning" and alert.reason["links"] == ["https://anbinh.gov.vn/q4"]
        # a fall, a rise under 10 %, and a locality without history do not fire
        assert evaluate(_record("q5", _backlog("900", "05/01/2027"), date(2027, 1, 5)), _policy(rule), repo, 1) == []
        assert evaluate(_record("q6", _backlog("1.150", "05/01/2027"), date(2027, 1, 5)), _policy(rule), repo, 1) == []
        other = _backlog("1.416", "05/01/2027").replace("An Bình", "Tân Phú")
        assert evaluate(_record("q7", other, date(2027, 1, 5)), _policy(rule), repo, 1) == []


def test_threshold_tiers_and_localities_filter_what_fires() -> None:
    text = "Tin Sa Đéc\n\nvẫn còn hồ sơ giải quyết trễ hạn (cấp thành phố là 1.416 hồ sơ, cấp xã là 3 hồ sơ)."
    record = _record("t", text, date(2026, 1, 1), "https://sadec.dongthap.gov.vn/t")
    keys = [a.key for a in evaluate(record, _policy(Rule(id="b", kind="backlog_threshold", min_count=2)), None, 1)]
    assert len(keys) == 2
    only_city = Rule(id="b", kind="backlog_threshold", min_count=1, tiers=("thành phố",))
    assert [a.reason["tier"] for a in evaluate(record, _policy(only_city), None, 1)] == ["thành phố"]
    elsewhere = Rule(id="b", kind="backlog_threshold", localities=("Cao Lãnh",))
    assert evaluate(record, _policy(elsewhere), None, 1) == []


def test_scores_below_down_and_rank_down(db_path: Path) -> None:
    last = ("Đồng Tháp công bố Chỉ số cải cách hành chính năm 2025\n\n"
            "Chỉ số cải cách hành chính (PAR INDEX) năm 2025 của tỉnh đạt 90,5 điểm, xếp thứ 3/34.")
    now = last.replace("2025", "2026").replace("90,5", "85,25").replace("thứ 3/34", "thứ 7/34")
    rules = (Rule(id="low", kind="score_below", below=88), Rule(id="down", kind="score_down"),
             Rule(id="rank", kind="rank_down"))
    with Repository(db_path) as repo:
        _store(repo, _record("s25", last, date(2026, 3, 1), "https://dongthap.gov.vn/s25"))
        fired = {a.rule: a for a in evaluate(_record("s26", now, date(2027, 3, 1), "https://dongthap.gov.vn/s26"),
                                             _policy(*rules), repo, 1)}
    assert set(fired) == {"low", "down", "rank"}, fired
    assert "dưới mức 88" in fired["low"].reason["summary"]
    assert fired["down"].reason["compared_with"] == 90.5 and "giảm 5,25" in fired["down"].reason["summary"]
    assert fired["rank"].reason["summary"].startswith("PAR INDEX: xếp thứ 7, tụt 4 bậc")


def test_keyword_fires_once_per_story_on_cchc_news_only() -> None:
    rule = Rule(id="kw", kind="keyword", phrases=("chậm  trả kết quả",))
    cchc = _record("k", "Cải cách hành chính ở An Bình\n\nNhiều hồ sơ bị CHẬM TRẢ KẾT QUẢ cho người dân.", date(2026, 1, 1))
    (alert,) = evaluate(cchc, _policy(rule), None, 1)
    assert alert.key == f"kw:{cchc.cluster_id}:chậm  trả kết quả"
    sport = _record("f", "Bóng đá xã An Bình\n\nĐội bóng chậm trả kết quả đăng ký giải.", date(2026, 1, 1))
    assert evaluate(replace(sport, analysis=replace(sport.analysis, is_cchc=False)), _policy(rule), None, 1) == []


def test_a_missing_yearly_plan_fires_once_per_province_and_year_after_its_date() -> None:
    policy = _policy(Rule(id="mp", kind="missing_plan", by="01-31", recipients=("cchc",)))
    watched = {"Đồng Tháp", "Cần Thơ"}
    planned = {("Cần Thơ", 2027)}
    assert missing_plans(policy, lambda due: watched, planned, date(2027, 1, 30)) == []  # not due yet
    (alert,) = missing_plans(policy, lambda due: watched, planned, date(2027, 2, 2))
    assert alert.key == "mp:Đồng Tháp:2027" and alert.province == "Đồng Tháp" and alert.article_id is None
    assert "Chưa thấy kế hoạch CCHC năm 2027 của Đồng Tháp (hạn 31/01/2027)" == alert.reason["summary"]
    # a province first watched after the date cannot be said to be late
    assert missing_plans(policy, lambda due: set(), planned, date(2027, 2, 2)) == []


def test_a_rank_only_earlier_report_is_compared_by_rank_and_never_crashes(db_path: Path) -> None:
    last = ("Đồng Tháp công bố Chỉ số cải cách hành chính năm 2025\n\n"
            "Chỉ số cải cách hành chính (PAR INDEX) năm 2025 của tỉnh xếp thứ 3/34.")
    now = ("Đồng Tháp công bố Chỉ số cải cách hành chính năm 2026\n\n"
           "Chỉ số cải cách hành chính (PAR INDEX) năm 2026 của tỉnh đạt 85,25 điểm, xếp thứ 7/34.")
    rules = (Rule(id="down", kind="score_down"), Rule(id="rank", kind="rank_down"))
    with Repository(db_path) as repo:
        _store(repo, _record("r25", last, date(2026, 3, 1), "https://dongthap.gov.vn/r25"))
        fired = {a.rule for a in evaluate(_record("r26", now, date(2027, 3, 1), "https://dongthap.gov.vn/r26"),
                                          _policy(*rules), repo, 1)}
    assert fired == {"rank"}  # no value to compare the score with; the rank fell from 3 to 7


def test_a_total_and_its_part_in_one_earlier_report_compare_with_the_total(db_path: Path) -> None:
    rule = Rule(id="up", kind="backlog_up")
    earlier = ("Xã An Bình, Đồng Tháp: báo cáo ngày 10/10/2026\n\n"
               "Toàn xã còn 1.416 hồ sơ giải quyết trễ hạn, trong đó lĩnh vực đất đai 312 hồ sơ trễ hạn.")
    with Repository(db_path) as repo:
        _store(repo, _record("e", earlier, date(2026, 10, 10)))
        assert evaluate(_record("n", _backlog("1.300", "05/01/2027"), date(2027, 1, 5)), _policy(rule), repo, 1) == []


def test_a_plan_for_next_year_issued_in_december_counts_for_next_year(db_path: Path) -> None:
    plan = ("Đồng Tháp ban hành Kế hoạch cải cách hành chính năm 2027\n\n"
            "Ngày 20/12/2026, UBND tỉnh ban hành Kế hoạch số 310/KH-UBND về cải cách hành chính năm 2027.")
    with Repository(db_path) as repo:
        _store(repo, _record("p", plan, date(2026, 12, 20), "https://dongthap.gov.vn/p"))
        assert ("Đồng Tháp", 2027) in repo.planned_provinces()
