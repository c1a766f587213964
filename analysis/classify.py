"""Relevance and primary category of an article: backlog, plan, index_score, other_cchc, not_cchc."""

from __future__ import annotations

import re

from cchc_monitor.models import Fact

# Strong signs of administrative-reform news, counted on lower-cased, space-folded text.
CCHC_PHRASES = (
    "cải cách hành chính",  # administrative reform
    "cchc",                 # its abbreviation
    "thủ tục hành chính",   # administrative procedures
    "tthc",
    "par index", "sipas", "papi",  # reform, satisfaction and governance indexes
    "hành chính công",      # public administration (service centres)
    "dịch vụ công",         # public services (online)
)
# the one-stop shop (not "một cửa hàng", a shop) and late dossiers ("hồ sơ bị quá hạn")
CCHC_RE = re.compile(r"một cửa(?! hàng)|hồ sơ (?:\S+ ){0,2}(?:trễ|quá|chậm) h[ạẹ]n")
# A legal document's full text opens with the national motto and a "Số:" line.
LEGAL_TEXT_RE = re.compile(r"CỘNG\s+HÒA\s+XÃ\s+HỘI\s+CHỦ\s+NGHĨA\s+VIỆT\s+NAM", re.I)
LEGAL_NUMBER_RE = re.compile(r"^\s*Số\s*:", re.I | re.M)
# A reform plan announced or rolled out: "Kế hoạch CCHC năm 2025", "triển khai công tác CCHC năm 2023".
PLAN_RE = re.compile(
    r"(?:kế\s+hoạch|triển\s+khai)[^.\n]{0,60}?(?:cải\s+cách\s+hành\s+chính|CCHC)[^.\n]{0,40}?năm\s+(20\d\d)"
    r"|(?:cải\s+cách\s+hành\s+chính|CCHC)[^.\n]{0,20}?kế\s+hoạch",
    re.I,
)


def is_legal_text(text: str) -> bool:
    """Full text of a legal document (not news): motto plus a "Số:" number line near the top."""
    head = text[:800]
    return bool(LEGAL_TEXT_RE.search(head) and LEGAL_NUMBER_RE.search(head))


def cchc_strength(text: str) -> int:
    """How many reform phrases the text holds."""
    folded = " ".join(text.lower().split())
    return sum(folded.count(p) for p in CCHC_PHRASES) + len(CCHC_RE.findall(folded))


def title_and_lead(text: str, chars: int = 600) -> str:
    """The top of the article, where its subject is stated."""
    return text[:chars]


# A plan named inside a citation is not the article's subject: "Căn cứ ...", "Thực hiện Quyết định
# số N về (việc) ban hành Kế hoạch ..." (the cited document's own title).
CITATION_RE = re.compile(r"(?:^|[;\n.]\s*)căn\s+cứ\b[^;\n]*$|\bvề\s+(?:việc\s+)?(?:ban\s+hành\s+)?$", re.I)


def plan_year(text: str) -> int | None:
    """The target year of a reform plan the article announces near its top (0 when no year is
    given), or None; plans only cited as the basis of something else do not count."""
    lead = title_and_lead(text)
    for m in PLAN_RE.finditer(lead):
        if CITATION_RE.search(lead[max(0, m.start() - 300) : m.start()]):
            continue
        return int(m.group(1)) if m.group(1) else 0
    return None


def _is_index_story(score: Fact) -> bool:
    """A score that makes the article an index story: a formal index, points, a maximum or a rank.
    A satisfaction percentage on its own (e.g. in a programme review) does not."""
    attrs = score.attrs
    return bool(attrs.get("explicit") or attrs.get("max") or attrs.get("rank")
                or "điểm" in score.phrase)


def classify(text: str, backlog: list[Fact], scores: list[Fact]) -> tuple[bool, str]:
    """(is_cchc, category) from the text and the facts already found in it."""
    strength = cchc_strength(text)
    if is_legal_text(text) or strength == 0:
        return False, "not_cchc"
    lead_strength = cchc_strength(title_and_lead(text, 800))
    if strength < 2 and lead_strength == 0 and not backlog:
        return False, "not_cchc"
    if backlog:
        return True, "backlog"
    if any(_is_index_story(s) for s in scores):
        return True, "index_score"
    if plan_year(text) is not None:
        return True, "plan"
    return True, "other_cchc"
