"""Analysis units, table-driven: each row is a phrase and the fact expected from it (or none)."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from analysis import analyze, to_contract
from analysis.backlog import backlog_figures, on_time_rates
from analysis.documents import documents
from analysis.places import locate
from cchc_monitor.dates import find_dates, publication_date
from cchc_monitor.gazetteer import FORMER_PROVINCES, MERGER_2025, current_province, province_from_host
from cchc_monitor.text import parse_number


@pytest.mark.parametrize("token, value", [
    ("1.416", 1416), ("93,36", 93.36), ("7", 7), ("659.245", 659245), ("1.234.567", 1234567),
    ("0,5", 0.5), ("46,0415", 46.0415), ("2023", 2023),
])
def test_vietnamese_numbers(token: str, value: float) -> None:
    assert parse_number(token) == value


@pytest.mark.parametrize("text, expected", [
    ("Chiều ngày 09/2/2023, UBND", date(2023, 2, 9)),
    ("Sáng ngày 10 tháng 11 năm 2021, ông", date(2021, 11, 10)),
    ("7:29, Thứ Tư, 31-1-2024", date(2024, 1, 31)),
    ("Thứ Ba (25/04/2023 | 07:00 GMT + 7)", date(2023, 4, 25)),
    ("từ ngày 2.1.2018 đến", date(2018, 1, 2)),
    ("ngày 31/02/2023 không có thật", None),
])
def test_dates_in_vietnamese_shapes(text: str, expected: date | None) -> None:
    found = [d for d, _, _ in find_dates(text)]
    assert found == ([expected] if expected else [])


@pytest.mark.parametrize("text, expected", [
    ("Tiêu đề bài viết\n\n7:29, Thứ Tư, 31-1-2024\n\nSáng ngày 26/01/2024, UBND", "2024-01-31"),
    ("Cải cách hành chính\n\nThứ Ba (25/04/2023 | 07:00 GMT + 7) - Lượt xem: 0\n\nKế hoạch", "2023-04-25"),
    ("Tiêu đề\n\n08/02/2023 | 11:09 GMT+7\n\n(HG) - Đó là", "2023-02-08"),
    (" date 2026-02-02 Chính trị\n\nTỉnh An Giang", "2026-02-02"),
    ("Tiêu đề\nNgày đăng: 14/01/2026 08:30\nNội dung", "2026-01-14"),
    ("Hải Phòng, ngày 18 tháng 11 năm 2019\nThực hiện Chương trình", "2019-11-18"),
    # event dates and a legal text's signing line are not publication dates
    ("Tiêu đề\n\nChiều ngày 09/2/2023, UBND thành phố triển khai công tác", None),
    ("Sáng ngày 10 tháng 11 năm 2021, ông Võ Phan Thành Minh chủ trì", None),
    ("ỦY BAN NHÂN DÂN\nSố: 585/QĐ-UBND-HC\nĐồng Tháp, ngày 25 tháng 06 năm 2015\nQUYẾT ĐỊNH", None),
])
def test_publication_date(text: str, expected: str | None) -> None:
    found = publication_date(text)
    assert (found.isoformat() if found else None) == expected


@pytest.mark.parametrize("text, expected", [
    ("hồ sơ giải quyết trễ hạn trên phần mềm (cấp thành phố là 1.416 hồ sơ, cấp xã là 3.253 hồ sơ)",
     [(1416, "thành phố"), (3253, "xã")]),
    ("Tỉnh An Giang hiện còn 5.830 hồ sơ xử lý quá hạn, trong đó", [(5830, "tỉnh")]),
    ("có 71 hồ sơ trễ hạn do lỗi từ cán bộ", [(71, None)]),
    ("Trên 7.600 hồ sơ bị quá hạn trong quý I", [(7600, None)]),
    ("số hồ sơ quá hạn có 7.677 hồ sơ, chiếm tỷ lệ 1,19%", [(7677, None)]),
    ("quá hạn giải quyết nhưng chưa có kết quả là 12 hồ sơ", [(12, None)]),
    ("cấp huyện còn 969 hồ sơ chậm hạn", [(969, "huyện")]),
    # not backlog: on-time counts, received counts, late rates, late reception, durations
    ("số hồ sơ giải quyết đúng và trước hạn có 635.593 hồ sơ", []),
    ("toàn tỉnh đã tiếp nhận 659.245 hồ sơ, đã giải quyết 643.272 hồ sơ", []),
    ("tỷ lệ hồ sơ trễ hạn là 1,19%", []),
    ("tiếp nhận trễ hạn 15 hồ sơ do lỗi hệ thống", []),
    ("thời gian giải quyết quá hạn 5 ngày", []),
])
def test_backlog_figures(text: str, expected: list[tuple[int, str | None]]) -> None:
    facts = backlog_figures(text)
    assert [(int(f.value or 0), f.attrs["level"]) for f in facts] == expected
    for fact in facts:
        assert text[fact.start:fact.end] == fact.phrase


def test_backlog_counts_a_repeated_number_once() -> None:
    text = "còn 1.222 hồ sơ đã quá hạn. Như vậy vẫn còn 1.222 hồ sơ đã quá hạn cần xử lý."
    assert [f.value for f in backlog_figures(text)] == [1222]


@pytest.mark.parametrize("text, expected", [
    ("đúng và trước hạn có 635.593 hồ sơ, chiếm tỷ lệ 98,81%", [98.81]),
    ("trả trước và đúng hạn là 4.157 hồ sơ (đạt 99,71%)", [99.71]),
    ("giải quyết đúng hạn 1.447 hồ sơ (tỷ lệ 99,4%)", [99.4]),
    ("tỷ lệ giải quyết trễ hạn là 1,19%", []),
    ("tỷ lệ hồ sơ trực tuyến đạt 45%", []),
])
def test_on_time_rates(text: str, expected: list[float]) -> None:
    assert [f.value for f in on_time_rates(text)] == expected


@pytest.mark.parametrize("text, expected", [
    ("theo Kế hoạch số 148/KH-UBND ngày 17/01/2023 của UBND tỉnh", [("148/KH-UBND", "Kế hoạch", "2023-01-17")]),
    ("Nghị quyết số 76/NQ-CP ngày 15 tháng 7 năm 2021 của Chính phủ", [("76/NQ-CP", "Nghị quyết", "2021-07-15")]),
    ("Chương trình số 20-CTr/TU ngày 03/9/2021 của Thành ủy", [("20-CTr/TU", "Chương trình", "2021-09-03")]),
    ("thực hiện Nghị quyết 01-NQ/TU của Tỉnh ủy", [("01-NQ/TU", "Nghị quyết", None)]),
    ("Nghị định số 157/2007/NĐ-CPngày 27 tháng 10 năm 2007", [("157/2007/NĐ-CP", "Nghị định", "2007-10-27")]),
    ("Quyết định số 585/QĐ-UBND-HC ngày 25/6/2015", [("585/QĐ-UBND-HC", "Quyết định", "2015-06-25")]),
    ("Nghị quyết số 30c/NQ-CP ngày 08/11/2011", [("30c/NQ-CP", "Nghị quyết", "2011-11-08")]),
    ("Chỉ thị 23/CT-TTg ngày 02/9/2021", [("23/CT-TTg", "Chỉ thị", "2021-09-02")]),
    # not documents: dates, scores, ranks, phone numbers
    ("đạt 93,36/100 điểm, xếp thứ 38/63 tỉnh, ngày 17/01/2023", []),
])
def test_documents(text: str, expected: list[tuple[str, str, str | None]]) -> None:
    found = [(f.attrs["number"], f.attrs["type"], f.attrs["date"]) for f in documents(text)]
    assert found == expected


def test_document_issuer_and_phrase() -> None:
    (fact,) = documents("Căn cứ Nghị định số 157/2007/NĐ-CP ngày 27 tháng 10 năm 2007 của Chính phủ")
    assert fact.attrs["date"] == "2007-10-27" and fact.attrs["issuer"] == "CP"
    assert fact.phrase == "Nghị định số 157/2007/NĐ-CP ngày 27 tháng 10 năm 2007"


@pytest.mark.parametrize("text, issued_by", [
    ("UBND xã An Bình ban hành Kế hoạch số 12/KH-UBND về cải cách hành chính năm 2026", "xã An Bình"),
    ("Kế hoạch số 12/KH-UBND ngày 05/01/2026 của UBND phường Mỹ Phú về CCHC", "phường Mỹ Phú"),
    ("Ủy ban nhân dân thị xã Hồng Ngự đã ban hành Kế hoạch số 7/KH-UBND ngày 3/1/2024", "thị xã Hồng Ngự"),
    ("Ngày 12/01/2026, UBND TP. Sa Đéc ban hành Kế hoạch số 15/KH-UBND", "thành phố Sa Đéc"),
    # a province, a centrally governed city, an unnamed committee, or no issuer: not local
    ("theo Kế hoạch số 148/KH-UBND ngày 17/01/2023 của UBND tỉnh Đồng Tháp", None),
    ("Ngày 12/01/2026, UBND thành phố Cần Thơ ban hành Kế hoạch số 15/KH-UBND", None),
    ("Thực hiện Kế hoạch số 148/KH-UBND của UBND xã về CCHC", None),
    ("UBND xã An Bình. Ban hành Kế hoạch số 3/KH-UBND", None),
    ("Thành phố Sa Đéc ban hành Kế hoạch CCHC năm 2026. Kế hoạch số 15/KH-UBND về cải cách hành chính.", None),
])
def test_the_local_committee_that_issued_a_document(text: str, issued_by: str | None) -> None:
    (fact,) = documents(text)
    assert fact.attrs["issued_by"] == issued_by


def test_nfc_and_nfd_input_give_the_same_result() -> None:
    text = ("Thành phố Cao Lãnh: chấn chỉnh\n\nQua rà soát vẫn còn hồ sơ giải quyết trễ hạn "
            "(cấp thành phố là 1.416 hồ sơ). Kế hoạch số 148/KH-UBND ngày 17/01/2023 về cải cách hành chính.")
    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    assert to_contract(analyze(nfd)) == to_contract(analyze(text))


@pytest.mark.parametrize("text, url, locality, province", [
    ("UBND thành phố Sa Đéc triển khai công tác", None, "thành phố Sa Đéc", "Đồng Tháp"),
    ("Thành Phố Ngã Bảy: Tuyên truyền cải cách hành chính", None, "thành phố Ngã Bảy", "Hậu Giang"),
    ("UBND thành phố Đông Hà tổ chức hội nghị", None, "thành phố Đông Hà", "Quảng Trị"),
    ("Tỉnh An Giang hiện còn hồ sơ quá hạn", None, "tỉnh An Giang", "An Giang"),
    ("Thống kê của UBND tỉnh cho biết", "https://baolamdong.vn/doi-song/x/", None, "Lâm Đồng"),
    ("UBND xã Long Phụng ban hành", "https://longphung.quangngai.gov.vn/tin-tuc/x.html", "xã Long Phụng", "Quảng Ngãi"),
])
def test_places(text: str, url: str | None, locality: str | None, province: str) -> None:
    assert locate(text, url) == (locality, province)


def test_gazetteer_covers_63_former_and_34_current_provinces() -> None:
    assert len(FORMER_PROVINCES) == 63 and len(set(FORMER_PROVINCES)) == 63
    assert len(MERGER_2025) == 34
    assert current_province("Hậu Giang") == "Cần Thơ"
    assert current_province("Thừa Thiên Huế") == "Huế"
    assert province_from_host("sadec.dongthap.gov.vn") == "Đồng Tháp"
    assert province_from_host("www.sggp.org.vn") is None


@pytest.mark.parametrize("text, is_cchc, category", [
    ("UBND thành phố triển khai công tác cải cách hành chính năm 2023\n\nChiều ngày 09/2/2023", True, "plan"),
    ("Chấn chỉnh CCHC\n\ncòn nhiều hồ sơ giải quyết trễ hạn (cấp xã là 3.253 hồ sơ)", True, "backlog"),
    ("Tổng kết CCHC\n\nKết quả cải cách hành chính năm 2023 của thành phố đạt 93,36/100 điểm", True, "index_score"),
    ("Tuyên truyền cải cách hành chính năm 2023\n\nNội dung tuyên truyền cải cách hành chính", True, "other_cchc"),
    ("Khai mạc giải bóng đá\n\nTheo kế hoạch, giải có 300 cầu thủ tham gia", False, "not_cchc"),
    ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nSố: 585/QĐ-UBND-HC\nQUYẾT ĐỊNH về thủ tục hành chính", False, "not_cchc"),
])
def test_relevance_and_category(text: str, is_cchc: bool, category: str) -> None:
    result = analyze(text)
    assert (result.is_cchc, result.category) == (is_cchc, category)


def test_contract_has_every_key_even_when_nothing_is_found() -> None:
    out = to_contract(analyze("Một đoạn văn ngắn."))
    assert set(out) >= {"is_cchc", "category", "published", "locality", "province",
                        "backlog_figures", "on_time_rates", "documents", "scores"}
    assert out["backlog_figures"] == [] and out["published"] is None


def test_an_extracted_article_becomes_a_record_keyed_by_its_canonical_url() -> None:
    from analysis import to_record
    from cchc_monitor.keys import article_id, content_hash
    from cchc_monitor.models import ExtractedArticle

    body = "Qua rà soát vẫn còn hồ sơ giải quyết trễ hạn (cấp thành phố là 1.416 hồ sơ)."
    page = ExtractedArticle("https://sadec.dongthap.gov.vn/tin/a?utm_source=rss", "Sa Đéc chấn chỉnh hồ sơ trễ hạn",
                            None, body, "trafilatura")
    record = to_record("src", page)
    assert record.url == "https://sadec.dongthap.gov.vn/tin/a" and record.id == article_id(record.url)
    assert record.body.startswith("Sa Đéc chấn chỉnh") and record.content_sha256 == content_hash(body)  # body only
    assert [f.value for f in record.analysis.of_kind("backlog")] == [1416] and record.analysis.province == "Đồng Tháp"
