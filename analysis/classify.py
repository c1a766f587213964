"""Relevance and primary category of an article: backlog, plan, index_score, other_cchc, not_cchc."""

from __future__ import annotations

import re

from analysis.scores import INDEX_NAMES  # the index vocabulary lives with the scores
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
# A legal-document database page: its fields (number, issue date, issuer, type, signer, validity).
LEGAL_FIELDS = ("số hiệu", "ngày ban hành", "cơ quan ban hành", "loại văn bản", "người ký", "ngày hiệu lực",
                "tình trạng hiệu lực", "tìm kiếm văn bản", "trích yếu")  # looked up as words (fast)
# What a reform plan is about: administrative (procedure) reform, its indexes, the one-stop shop.
REFORM_TOPIC = (r"(?:cải\s+cách\s+(?:thủ\s+tục\s+)?hành\s+chính|CCHC|TTHC|thủ\s+tục\s+hành\s+chính|PAR\s*INDEX"
                r"|PAPI|SIPAS|\bPCI\b|chỉ\s+số\s+hiệu\s+quả\s+quản\s+trị|một\s+cửa)")
# A reform plan announced or rolled out: "Kế hoạch CCHC năm 2025", "triển khai công tác CCHC năm 2023".
PLAN_RE = re.compile(
    rf"(?:kế\s+hoạch|triển\s+khai)[^.\n]{{0,60}}?{REFORM_TOPIC}[^.\n]{{0,80}}?năm\s+(20\d\d)"
    rf"|{REFORM_TOPIC}[^.\n]{{0,20}}?kế\s+hoạch"
    rf"|ban\s+hành\s+kế\s+hoạch\b[^.\n]{{0,120}}?{REFORM_TOPIC}",
    re.I,
)
# A plan's own text opens with its purpose section ("I. MỤC ĐÍCH, YÊU CẦU" / "MỤC TIÊU, YÊU CẦU");
# a summary of one lists "các nhiệm vụ, giải pháp sau" (the following tasks and solutions).
PLAN_BODY_RE = re.compile(r"m[ụu]c\s+(?:đích|tiêu)\s*,\s*yêu\s+cầu", re.I)
# (the plan's objective, the plan sets out / aims at / sets the target)
PLAN_SUMMARY_RE = re.compile(
    r"kế\s+hoạch\s+số[^.\n]{0,300}?nhiệm\s+vụ,\s+giải\s+pháp\s+sau|mục\s+tiêu\s+của\s+kế\s+hoạch"
    r"|kế\s+hoạch\s+(?:này\s+)?(?:đề\s+ra|nhằm|đặt\s+mục\s+tiêu)", re.I,
)
# Late dossiers: late, overdue, slow and overdue, behind time, delayed against the appointment.
LATE_RE = re.compile(r"(?:trễ|quá|chậm|sai)\s+h[ạẹ]n|chậm,\s*quá\s+hạn|bê\s+trễ", re.I)
DOSSIER_RE = re.compile(r"hồ\s+sơ|thủ\s+tục", re.I)  # dossiers, procedures
# Rules rather than reports: a regulation (this, new), a draft, guidance, what is required or must be done.
NORMATIVE_TITLE_RE = re.compile(r"quy\s+định|dự\s+thảo|hướng\s+dẫn|không\s+để", re.I)  # ... do not let
NORMATIVE_RE = re.compile(r"quy\s+định\s+(?:này|mới)|dự\s+thảo|yêu\s+cầu|phải\s+(?:thực\s+hiện|xin\s+lỗi)", re.I)
# A headline on index results: results, announced, ranked, leads, top N, a value, up or down N.
INDEX_RESULT_RE = re.compile(
    r"kết\s+quả|công\s+bố|xếp\s+hạng|xếp\s+thứ|đứng\s+thứ|đứng\s+đầu|dẫn\s+đầu|top\s+\d|\d\s*(?:điểm|%)"
    r"|tăng\s+\d|giảm\s+\d|vươn\s+lên|tụt", re.I,
)


def is_legal_text(text: str) -> bool:
    """Full text of a legal document (not news): motto plus a "Số:" number line near the top, or a
    legal-document database page (three of its fields near the top)."""
    head = text[:800]
    if LEGAL_TEXT_RE.search(head) and LEGAL_NUMBER_RE.search(head):
        return True
    head = " ".join(text[:3000].lower().split())
    return sum(field in head for field in LEGAL_FIELDS) >= 3


def cchc_strength(text: str) -> int:
    """How many reform phrases the text holds."""
    folded = " ".join(text.lower().split())
    return sum(folded.count(p) for p in CCHC_PHRASES) + len(CCHC_RE.findall(folded))


def title_and_lead(text: str, chars: int = 600) -> str:
    """The top of the article, where its subject is stated."""
    return text[:chars]


# A plan named inside a citation is not the article's subject: "Căn cứ ...", "Thực hiện Quyết định
# số N về (việc) ban hành Kế hoạch ..." (the cited document's own title), "thực hiện Kế hoạch ...".
CITATION_RE = re.compile(
    r"(?:^|[;\n.]\s*)căn\s+cứ\b[^;\n]*$|\bvề\s+(?:việc\s+)?(?:ban\s+hành\s+)?$|\b(?:thực\s+hiện|theo)\s+$", re.I
)
PLAN_YEAR_RE = re.compile(r"năm\s+(20\d\d)")


def plan_year(text: str) -> int | None:
    """The target year of a reform plan the article announces near its top (0 when no year is
    given), or None; plans only cited as the basis of something else do not count."""
    lead = title_and_lead(text, 1500)
    for m in PLAN_RE.finditer(lead):
        if CITATION_RE.search(lead[max(0, m.start() - 300) : m.start()]):
            continue
        if m.group(1):
            return int(m.group(1))
        year = PLAN_YEAR_RE.search(lead, m.end(), min(len(lead), m.end() + 80))
        return int(year.group(1)) if year else 0
    if PLAN_BODY_RE.search(text[:300]) or PLAN_SUMMARY_RE.search(lead):
        year = PLAN_YEAR_RE.search(_title(text))
        return int(year.group(1)) if year else 0
    return None


def _title(text: str) -> str:
    """The headline: the first of the top lines with four words or more ("Thời sự", a section
    name, comes before it on some sites), when it is short enough to be one."""
    lines = [line.strip() for line in text[:1000].split("\n") if line.strip()]
    for line in lines[:3]:
        if len(line.split()) >= 4:
            return line if len(line) <= 250 else ""
    return ""


def _lead_body(text: str) -> str:
    """The lead after the headline."""
    title = _title(text)
    start = text.find(title) + len(title) if title else 0
    return text[start : start + 500]


def is_late_story(text: str) -> bool:
    """The headline is about late dossiers, or its lead speaks of them twice; a rule about them
    (a regulation, a draft, guidance: what must be done when one is late) is not a report."""
    title, lead = _title(text), _lead_body(text)
    if NORMATIVE_TITLE_RE.search(title):
        return False
    return bool(LATE_RE.search(title)) or (len(LATE_RE.findall(lead)) >= 2 and not NORMATIVE_RE.search(lead))


def is_index_headline(text: str) -> bool:
    """The headline reports results of a formal index ("Kết quả Chỉ số CCHC năm 2023")."""
    title = _title(text).lower()
    # "Kết quả (công tác) cải cách hành chính 6 tháng" is a work report, not an index's result
    named = any(explicit and not pattern.pattern.startswith("kết") and pattern.search(title)
                for pattern, _, explicit in INDEX_NAMES)
    return named and bool(INDEX_RESULT_RE.search(title))


def _is_index_story(score: Fact) -> bool:
    """A score that makes the article an index story: a formal index, points, a maximum or a rank.
    A satisfaction percentage on its own (e.g. in a programme review) does not."""
    attrs = score.attrs
    return bool(attrs.get("explicit") or attrs.get("max") or attrs.get("rank")
                or "điểm" in score.phrase)


def classify(text: str, backlog: list[Fact], scores: list[Fact]) -> tuple[bool, str]:
    """(is_cchc, category) from the text and the facts already found in it.

    The primary kind, strongest first: late dossiers (figures, or a headline or lead about them),
    index results (values, or a headline on them), a plan announced or summarised, index ranks
    alone, anything else on reform.
    """
    formal = [s for s in scores if s.attrs.get("explicit")]
    late_story = is_late_story(text) and bool(DOSSIER_RE.search(title_and_lead(text, 800)))
    strength = cchc_strength(text) + 2 * len(formal) + 2 * late_story
    if is_legal_text(text) or strength == 0:
        return False, "not_cchc"
    lead_strength = cchc_strength(title_and_lead(text, 800))
    if strength < 2 and lead_strength == 0 and not backlog:
        return False, "not_cchc"
    if backlog or late_story:
        return True, "backlog"
    if any(_is_index_story(s) and s.value is not None for s in scores) or is_index_headline(text):
        return True, "index_score"
    if plan_year(text) is not None:
        return True, "plan"
    if any(_is_index_story(s) for s in scores):
        return True, "index_score"
    return True, "other_cchc"
