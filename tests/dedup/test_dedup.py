"""Near-duplicate detection: the copy test, and precision/recall on a corpus of copies and look-alikes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dedup import fingerprint, pack, same_story, unpack
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


def test_a_fingerprint_sent_packed_from_a_worker_places_as_one_computed_here() -> None:
    fp = fingerprint(STORY)
    assert unpack(pack(fp), fp.bands) == fp and len(pack(fp)) < 4 * (len(fp.shingles) + len(fp.figures) + 2)
    docs = dedup_corpus.build()
    items = [(f"a{i}", text, f"h{hash(text)}") for i, (_, text) in enumerate(docs)]
    given = [unpack(pack(p), p.bands) for p in map(fingerprint, (text for _, text in docs))]
    here = assign(items, {}, lambda keys: {}, lambda ids: {})
    assert assign(items, {}, lambda keys: {}, lambda ids: {}, given) == here
    assert len({p.cluster_id for p in here}) < len(items)  # copies were found, so the comparison means something


def test_precision_and_recall_on_the_duplicate_corpus_are_at_least_0_95() -> None:
    docs = dedup_corpus.build()
    items = [(f"a{i}", text, f"h{hash(text)}") for i, (_, text) in enumerate(docs)]
    placements = assign(items, {}, lambda keys: {}, lambda ids: {})
    precision, recall, true_pairs, _ = dedup_corpus.pair_scores([n for n, _ in docs],
                                                                [p.cluster_id for p in placements])
    assert true_pairs >= 360  # 36 template stories at least (with ../shared: 57 stories, 570 pairs)
    assert precision >= 0.95 and recall >= 0.95, (precision, recall)


REPORT_HEAD = ("Theo báo cáo của UBND tỉnh về kết quả giải quyết thủ tục hành chính quý I/2026, bộ phận một cửa các "
               "xã, phường đã tiếp nhận và giải quyết phần lớn hồ sơ đúng hạn; số hồ sơ trễ hạn của từng địa "
               "phương như sau. ")
REPORT_FOOT = (" Lãnh đạo tỉnh yêu cầu các địa phương có hồ sơ trễ hạn xin lỗi người dân theo quy định, "
               "rà soát nguyên nhân và giải quyết dứt điểm trong tháng tới.")


def _report(rows: list[tuple[str, int]]) -> str:
    return REPORT_HEAD + " ".join(f"Xã {name} còn {count} hồ sơ trễ hạn." for name, count in rows) + REPORT_FOOT


def test_a_small_report_from_a_big_reports_template_with_other_localities_is_another_story() -> None:
    big = _report([(f"{c} {n}", (n * 7) % 60 + 1) for n, c in enumerate(dedup_corpus.COMMUNES * 20)])
    small = _report([("Thới Sơn", 5), ("Mỹ Khánh", 3)])  # its figures appear in the big one, with other communes
    copy = _report([("Thới Sơn", 5), ("Mỹ Khánh", 3)]).replace("Theo báo cáo", "Theo báo cáo mới nhất")
    assert not same_story(fingerprint(big), fingerprint(small)) and not same_story(fingerprint(small), fingerprint(big))
    assert same_story(fingerprint(small), fingerprint(copy))  # the same two figures, same words: a copy
    assert same_story(fingerprint(big), fingerprint(big[: int(len(big) * 0.8)]))  # a shortened copy still is


def _band_keys_in_a_fresh_process(first: str) -> list[str]:
    code = (f"{first}\nimport sys\nfrom dedup.minhash import band_keys, shingle_hashes\n"
            "print(band_keys(shingle_hashes(sys.argv[1].split('.'))))\nprint('scipy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code, STORY], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[2])
    return done.stdout.splitlines()


def test_band_keys_load_minhash_without_the_rest_of_datasketch_and_equal_the_whole_packages() -> None:
    lean_keys, lean_scipy = _band_keys_in_a_fresh_process("")
    whole_keys, whole_scipy = _band_keys_in_a_fresh_process("import datasketch")
    assert lean_keys == whole_keys and lean_keys.startswith("(")
    assert (lean_scipy, whole_scipy) == ("False", "True")  # MinHashLSH's scipy.integrate is left out


def test_the_whole_datasketch_package_still_imports_after_band_keys_loaded_minhash_alone() -> None:
    code = ("from dedup.minhash import band_keys, _template\nband_keys([1, 2, 3])\nimport datasketch\n"
            "print(datasketch.MinHashLSH.__name__, type(_template()) is datasketch.MinHash)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.stdout.split() == ["MinHashLSH", "True"]
