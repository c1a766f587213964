"""A duplicate-detection corpus built at test time: copies of each story with another portal's
wrapper, an edited headline, a shortened lead, a later repost; and distinct stories written from
one template (same wording, other commune, other figures) that must stay apart.

Real story texts come from ../shared/eval/dev when it is there (read, never copied); the template
stories are our own.
"""

from __future__ import annotations

import json
import random

from tests.helpers import SHARED

DEV = SHARED / "eval" / "dev"

COMMUNES = ["An Bình", "Tân Phú", "Phước Long", "Hòa Thuận", "Mỹ Hưng", "Bình Minh", "Thạnh Lợi", "Long Hải",
            "Đông Hòa", "Quảng Phú", "Nghĩa Trung", "Hải Ninh"]
TEMPLATES = [
    ("UBND xã {c} triển khai Kế hoạch cải cách hành chính năm 2026",
     "Sáng {d}/{m}, UBND xã {c} tổ chức hội nghị triển khai Kế hoạch số {n}/KH-UBND về cải cách hành chính "
     "năm 2026. Theo báo cáo, năm 2025 xã tiếp nhận {r} hồ sơ, giải quyết đúng và trước hạn đạt tỷ lệ {p}%, "
     "còn {l} hồ sơ trễ hạn. Năm 2026, xã tập trung đẩy mạnh chuyển đổi số, nâng cao chất lượng phục vụ "
     "người dân và doanh nghiệp tại bộ phận một cửa, phấn đấu không còn hồ sơ trễ hạn. Chủ tịch UBND xã "
     "yêu cầu các bộ phận chuyên môn rà soát thủ tục hành chính, niêm yết công khai đầy đủ và hướng dẫn "
     "người dân nộp hồ sơ trực tuyến."),
    ("Xã {c} công bố Chỉ số hài lòng năm 2025",
     "Ngày {d}/{m}/2026, UBND xã {c} công bố kết quả đo lường sự hài lòng của người dân đối với sự phục vụ "
     "của cơ quan hành chính năm 2025. Chỉ số hài lòng chung đạt {p}%, tăng {q} điểm so với năm trước; "
     "xã xếp hạng thứ {k}/{t} xã, phường trong tỉnh. Kết quả khảo sát {r} phiếu cho thấy người dân đánh "
     "giá cao thái độ phục vụ của công chức bộ phận một cửa, tuy nhiên việc tiếp cận dịch vụ công trực "
     "tuyến còn hạn chế. UBND xã đề ra các giải pháp khắc phục trong năm 2026."),
    ("Xã {c}: {l} hồ sơ trễ hạn trong quý I",
     "Theo báo cáo của UBND xã {c}, trong quý I/2026 bộ phận một cửa tiếp nhận {r} hồ sơ thủ tục hành chính, "
     "đã giải quyết {s} hồ sơ, trong đó đúng hạn chiếm {p}%, còn {l} hồ sơ giải quyết trễ hạn, chủ yếu ở "
     "lĩnh vực đất đai và xây dựng. Nguyên nhân trễ hạn do hồ sơ phức tạp, phải xác minh nguồn gốc đất. "
     "Lãnh đạo xã đã có văn bản xin lỗi người dân theo quy định và chỉ đạo giải quyết dứt điểm trong tháng {m}."),
]
WRAPPERS = [
    ("Trang chủ | Tin tức - Sự kiện | Cải cách hành chính\nCỡ chữ: A A A | In bài viết",
     "Chia sẻ: Facebook Zalo\nLượt xem: {v}\nTin liên quan:\nHội nghị giao ban công tác tháng\nThống kê truy cập"),
    ("CỔNG THÔNG TIN ĐIỆN TỬ HUYỆN\nĐăng lúc: {d}/0{m}/2026 08:30",
     "Nguồn: Văn phòng HĐND và UBND\nCó thể bạn quan tâm\nTuyên truyền phòng chống dịch bệnh"),
]


def _template_stories(rng: random.Random) -> list[str]:
    stories = []
    for title, body in TEMPLATES:
        for commune in COMMUNES:
            figures = dict(c=commune, d=rng.randint(1, 28), m=rng.randint(1, 12), n=rng.randint(5, 300),
                           r=rng.randint(300, 9000), p=f"{rng.randint(90, 99)},{rng.randint(1, 99)}",
                           l=rng.randint(2, 400), q=f"{rng.randint(1, 9)},{rng.randint(1, 9)}",
                           k=rng.randint(1, 120), t=rng.randint(121, 160), s=rng.randint(200, 8000))
            stories.append(title.format(**figures) + "\n" + body.format(**figures))
    return stories


def _real_stories() -> list[str]:
    if not DEV.is_dir():
        return []
    texts = [json.loads(p.read_text(encoding="utf-8"))["text"] for p in sorted(DEV.glob("*.json"))]
    return [t for t in texts if len(t.split()) >= 60]


def _variants(story: str, rng: random.Random) -> list[str]:
    """Copies of one story as other portals carry it."""
    title, _, body = story.partition("\n")
    sentences = body.split(". ")
    head, foot = rng.choice(WRAPPERS)
    fill = dict(v=rng.randint(50, 5000), d=rng.randint(1, 28), m=rng.randint(1, 9))
    wrapped = f"{head.format(**fill)}\n{story}\n{foot.format(**fill)}"
    headline = f"{title.upper()} – TIN TỪ CƠ SỞ\n{body}" if title else story
    shortened = f"{title}\n" + ". ".join(sentences[1:]) if len(sentences) > 3 else story[: int(len(story) * 0.8)]
    return [story, wrapped, headline, shortened, story]  # the last: a repost days later


def build(seed: int = 7) -> list[tuple[int, str]]:
    """(story number, text) for every document, shuffled so copies do not come in order."""
    rng = random.Random(seed)
    docs = [(n, text) for n, story in enumerate(_real_stories() + _template_stories(rng))
            for text in _variants(story, rng)]
    rng.shuffle(docs)
    return docs


def pair_scores(truth: list[int], predicted: list[str]) -> tuple[float, float, int, int]:
    """Pairwise precision and recall of duplicate detection, with the true and predicted pair counts."""
    true_pairs = predicted_pairs = both = 0
    for i in range(len(truth)):
        for j in range(i + 1, len(truth)):
            same_truth, same_pred = truth[i] == truth[j], predicted[i] == predicted[j]
            true_pairs += same_truth
            predicted_pairs += same_pred
            both += same_truth and same_pred
    return both / max(predicted_pairs, 1), both / max(true_pairs, 1), true_pairs, predicted_pairs
