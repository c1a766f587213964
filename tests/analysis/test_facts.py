"""Fact patterns beyond the basics, table-driven: scores and ranks, and the distractors they must skip."""

from __future__ import annotations

import pytest

from analysis import analyze
from analysis.backlog import backlog_figures
from analysis.classify import plan_year
from analysis.documents import documents
from analysis.places import locate, provinces_in_url
from analysis.scores import scores
from cchc_monitor.gazetteer import province_from_host


@pytest.mark.parametrize("text, expected", [
    # value with a maximum, points, percent, decimals without a unit
    ("Kết quả đánh giá, xếp hạng cải cách hành chính năm 2023 của thành phố đạt 93,36/100 điểm",
     [("PAR INDEX", 93.36, 100, None)]),
    ("Chỉ số CCHC năm 2021 của Hải Phòng đạt 91,80%", [("PAR INDEX", 91.8, None, None)]),
    ("dẫn đầu về chỉ số PAPI tổng hợp, với mức điểm 46,0415 (trên tổng điểm là 80)", [("PAPI", 46.0415, 80, None)]),
    ("Chỉ số SIPAS của tỉnh đạt 87,6%", [("SIPAS", 87.6, None, None)]),
    # a list of values and values in parentheses after names
    ("chỉ số PAPI của Hà Nội và TP.HCM ở mức lần lượt là 43,9603 và 41,7754",
     [("PAPI", 43.9603, None, None), ("PAPI", 41.7754, None, None)]),
    ("Chỉ số CCHC: Hải Phòng (91,8%), Quảng Ninh (91,14%)", [("PAR INDEX", 91.8, None, None), ("PAR INDEX", 91.14, None, None)]),
    # the index named after the value, linked by "về"
    ("An Giang đạt 91,36 điểm về kết quả đánh giá chỉ số phục vụ người dân, doanh nghiệp, xếp hạng thứ 21/34 tỉnh",
     [("Chỉ số phục vụ người dân, doanh nghiệp", 91.36, None, "21/34")]),
    # ranks without a value
    ("Chỉ số CCHC cấp tỉnh (xếp thứ 14/63 tỉnh, thành, tăng 07 bậc)", [("PAR INDEX", None, None, "14/63")]),
    ("kết quả Chỉ số SIPAS năm 2024 của tỉnh xếp hạng 07/63 tỉnh, thành phố", [("SIPAS", None, None, "07/63")]),
    # "this index" points back to the previous sentence
    ("tăng mức độ hài lòng của người dân. Cụ thể, chỉ số này năm 2017 là 95,56%, năm 2019 là 97,24%",
     [("Mức độ hài lòng", 95.56, None, None), ("Mức độ hài lòng", 97.24, None, None)]),
    # distractors: counts, years, growth, on-time rates, sport ranks, economic ranks
    ("Chỉ số PAPI 2023 được thực hiện với sự tham gia của 19.536 người dân", []),
    ("Chỉ số CCHC được công bố năm 2023 tại Hà Nội", []),
    ("Tốc độ tăng trưởng GRDP của tỉnh đạt 8,52%, xếp thứ 5/63 tỉnh, thành phố", []),
    ("tỷ lệ hồ sơ giải quyết đúng hạn đạt 99,1%", []),
    ("Đội Thanh Hóa xếp thứ 3/16 đội, đạt 12 điểm sau 5 trận", []),
    ("Tỷ lệ học sinh đỗ tốt nghiệp đạt 99,2%, chỉ số hài lòng của phụ huynh đạt 95%", [("Mức độ hài lòng", 95, None, None)]),
    ("Toàn tỉnh còn 5.830 hồ sơ xử lý quá hạn (đứng thứ 13/34 tỉnh, thành phố)", []),
])
def test_scores(text: str, expected: list[tuple[str, float | None, float | None, str | None]]) -> None:
    found = [(f.attrs["index"], f.value, f.attrs["max"], f.attrs["rank"]) for f in scores(text)]
    assert found == expected
    for fact in scores(text):
        assert text[fact.start:fact.end] == fact.phrase


def test_score_change_and_year() -> None:
    (fact,) = scores("Năm 2023, kết quả cải cách hành chính của thành phố đạt 93,36/100 điểm tăng 8,7 điểm so với năm 2022")
    assert fact.attrs["year"] == 2023 and fact.attrs["change"] == "tăng 8,7 điểm"


@pytest.mark.parametrize("text, expected", [
    # tier inherited from the paragraph ("Với cấp huyện, ..."), a place name right before a count has none
    ("Với cấp huyện, 12 huyện, thành phố trong tỉnh đã tiếp nhận 340.060 hồ sơ; còn 5.685 hồ sơ quá hạn.",
     [(5685, "huyện")]),
    ("Văn phòng đăng ký đất đai tỉnh có 71 hồ sơ trễ hạn (Phù Cát 19 hồ sơ, Tuy Phước 11 hồ sơ).",
     [(71, "tỉnh"), (19, None), (11, None)]),
    # not yet due, changes, within deadline
    ("có 2.672 hồ sơ chưa đến hạn và có 128 hồ sơ đã quá hạn", [(128, None)]),
    ("tỉnh có 1.250 hồ sơ trễ hạn, giảm 300 hồ sơ so với năm 2023", [(1250, "tỉnh")]),
    ("đến nay có 150 hồ sơ chưa đến hạn giải quyết và 12 hồ sơ đang giải quyết trong hạn", []),
])
def test_backlog_context(text: str, expected: list[tuple[int, str | None]]) -> None:
    assert [(int(f.value or 0), f.attrs["level"]) for f in backlog_figures(text)] == expected


def test_a_headline_figure_gives_way_to_the_body_mention_that_names_its_tier() -> None:
    text = "71 hồ sơ bị trễ hạn do lỗi của cán bộ\n\nVăn phòng đăng ký đất đai tỉnh Bình Định có 71 hồ sơ trễ hạn."
    (fact,) = backlog_figures(text)
    assert fact.attrs["level"] == "tỉnh" and fact.start > 40


@pytest.mark.parametrize("text, expected", [
    ("Quyết định số 1557/QĐ-TTgngày 18 tháng 10 năm 2012", [("1557/QĐ-TTg", "2012-10-18")]),
    ("Căn cứ Quyết định số09/2015/QĐ-TTg ngày 25 tháng 3 năm 2015", [("09/2015/QĐ-TTg", "2015-03-25")]),
    ("Chương trình số 20-CTr/TU của Thành ủy", [("20-CTr/TU", None)]),
    # the issue date written before the document: "Ngày ..., UBND ... ban hành Kế hoạch số ..."
    ("Ngày 18 tháng 7 năm 2025 Uỷ ban nhân dân xã Long Phụng đã ban hành Quyết định số 119/QĐ-UBND về CCHC",
     [("119/QĐ-UBND", "2025-07-18")]),
    ("ngày 13/5/2011, Ủy ban nhân dân huyện ban hành Kế hoạch số 42/KH-UBND", [("42/KH-UBND", "2011-05-13")]),
    # a date before an unrelated verb is not the document's
    ("Ngày 12/01/2026, Sở Nội vụ tổ chức hội nghị triển khai Kế hoạch số 15/KH-UBND", [("15/KH-UBND", None)]),
])
def test_document_numbers_and_dates(text: str, expected: list[tuple[str, str | None]]) -> None:
    assert [(f.attrs["number"], f.attrs["date"]) for f in documents(text)] == expected


@pytest.mark.parametrize("text, year", [
    ("KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH NĂM 2025\nNgày 18 tháng 7 năm 2025 UBND xã ban hành", 2025),
    ("Hướng Linh: Triển khai một số nhiệm vụ CCHC năm 2023\n", 2023),
    # cited plans are the basis of something else, not the article's subject
    ("Lấy ý kiến dự thảo Chỉ thị\n\nThực hiện Quyết định số 2629/QĐ-UBND ngày 23/12/2022 của UBND tỉnh về ban hành "
     "Kế hoạch cải cách hành chính tỉnh năm 2023; Chương trình số 21/CTr-UBND", None),
    ("Tập huấn\n\nCăn cứ Kế hoạch số 12/KH-UBND ngày 05/01/2025 của UBND tỉnh về cải cách hành chính năm 2025, Sở tổ chức", None),
    ("Ngành nông nghiệp triển khai kế hoạch sản xuất vụ Đông Xuân năm 2026", None),
])
def test_plan_year(text: str, year: int | None) -> None:
    assert plan_year(text) == year


@pytest.mark.parametrize("text", [
    "Khai mạc giải bóng chuyền\n\nĐội Thanh Hóa xếp thứ 3/16 đội. Theo kế hoạch, giải kết thúc năm 2025.",
    "Ngành nông nghiệp triển khai kế hoạch sản xuất vụ Đông Xuân năm 2026\n\nGieo trồng 12.500 ha, đạt 98,5% kế hoạch.",
    "Lễ hội văn hóa\n\nLễ hội thu hút 15.000 lượt khách. Kế hoạch tổ chức lễ hội được UBND tỉnh phê duyệt.",
    "Kinh tế\n\nTốc độ tăng trưởng GRDP của tỉnh đạt 8,52%, xếp thứ 5/63 tỉnh, thành phố.",
])
def test_sport_agriculture_culture_and_economy_are_not_cchc(text: str) -> None:
    result = analyze(text)
    assert (result.is_cchc, result.category) == (False, "not_cchc")
    assert result.of_kind("backlog") == [] and result.of_kind("score") == []


@pytest.mark.parametrize("host, province", [
    ("thanhuyhue.vn", "Thừa Thiên Huế"),     # city party committee of Huế
    ("baoquangnam.vn", "Quảng Nam"),
    ("sonoivu.hatinh.gov.vn", "Hà Tĩnh"),
    ("huonglinh.huonghoa.quangtri.gov.vn", "Quảng Trị"),
    ("baochinhphu.vn", None),
])
def test_province_from_host(host: str, province: str | None) -> None:
    assert province_from_host(host) == province


def test_province_from_the_url_slug_and_the_headline() -> None:
    assert provinces_in_url("https://x.vn/amp/thua-thien-hue-co-chi-so-cao-nhat-d1.html") == ["Thừa Thiên Huế"]
    text = "Hải Phòng đứng đầu cả nước về cải cách hành chính\n\nNhóm C có tỉnh Kiên Giang với 79,97%."
    assert locate(text) == ("Hải Phòng", "Hải Phòng")
    body = "Công bố chỉ số PAPI 2023\n\nHuế dẫn đầu về PAPI. Hà Nội và TP.HCM thấp hơn, TP.HCM xếp sau."
    assert locate(body, "https://x.vn/thua-thien-hue-dan-dau.html")[1] == "Thừa Thiên Huế"


def test_an_announced_plan_carries_its_target_year_number_and_date() -> None:
    from analysis import to_contract

    text = ("Thành phố Sa Đéc ban hành Kế hoạch cải cách hành chính năm 2026\n\n"
            "Ngày 12/01/2026, UBND thành phố ban hành Kế hoạch số 15/KH-UBND về cải cách hành chính.")
    assert to_contract(analyze(text))["plan"] == {"year": 2026, "number": "15/KH-UBND", "date": "2026-01-12"}
    assert to_contract(analyze("Tin thể thao\n\nGiải bóng đá khai mạc."))["plan"] is None
