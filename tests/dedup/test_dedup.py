"""Near-duplicate detection: the copy test, and precision/recall on a corpus of copies and look-alikes."""

from __future__ import annotations

from dedup import fingerprint, same_story
from dedup.clusters import assign
from tests.dedup import dedup_corpus

STORY = ("Sáng 12/3, UBND xã An Bình tổ chức hội nghị triển khai Kế hoạch số 15/KH-UBND về cải cách hành chính "
         "năm 2026. Năm 2025 xã tiếp nhận 1.250 hồ sơ, giải quyết đúng hạn đạt 98,5%, còn 12 hồ sơ trễ hạn. "
         "Năm 2026 xã đẩy mạnh chuyển đổi số, nâng cao chất lượng phục vụ người dân tại bộ phận một cửa.")


def test_a_copy_with_other_boilerplate_is_the_same_story_and_another_communes_report_is_not() -> None:
    copy = "Trang chủ | Tin tức\n" + STORY + "\nChia sẻ | Lượt xem: 230"
    other = (STORY.replace("An Bình", "Tân Phú").replace("15/KH", "22/KH").replace("1.250", "980")
             .replace("98,5", "97,1").replace("12 hồ sơ", "5 hồ sơ").replace("12/3", "14/3"))
    assert same_story(fingerprint(STORY), fingerprint(copy))
    assert not same_story(fingerprint(STORY), fingerprint(other))
    assert fingerprint(STORY).bands == fingerprint(STORY).bands and len(fingerprint(STORY).bands) == 20


def test_precision_and_recall_on_the_duplicate_corpus_are_at_least_0_95() -> None:
    docs = dedup_corpus.build()
    items = [(f"a{i}", text, f"h{hash(text)}") for i, (_, text) in enumerate(docs)]
    placements = assign(items, {}, lambda keys: {}, lambda ids: {})
    precision, recall, true_pairs, _ = dedup_corpus.pair_scores([n for n, _ in docs],
                                                                [p.cluster_id for p in placements])
    assert true_pairs >= 360  # 36 template stories at least (with ../shared: 57 stories, 570 pairs)
    assert precision >= 0.95 and recall >= 0.95, (precision, recall)
