"""Relevance and primary category of an article: backlog, plan, index_score, other_cchc, not_cchc."""

from __future__ import annotations

import re

from cchc_monitor.models import Fact

# Strong signs of administrative-reform news (Vietnamese phrase → gloss in comments).
CCHC_RE = re.compile(
    r"cải\s+cách\s+hành\s+chính"       # administrative reform
    r"|\bCCHC\b"                        # its abbreviation
    r"|thủ\s+tục\s+hành\s+chính"       # administrative procedures
    r"|\bTTHC\b"
    r"|PAR\s*INDEX|\bSIPAS\b|\bPAPI\b"  # reform / satisfaction / governance indexes
    r"|hành\s+chính\s+công"             # public administration (service centres)
    r"|một\s+cửa"                       # one-stop shop
    r"|dịch\s+vụ\s+công"                # public services (online)
    r"|hồ\s+sơ\s+(?:\S+\s+){0,2}(?:trễ|quá|chậm)\s+h[ạẹ]n",  # late dossiers
    re.I,
)
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
    return len(CCHC_RE.findall(text))


def title_and_lead(text: str, chars: int = 600) -> str:
    """The top of the article, where its subject is stated."""
    return text[:chars]


def plan_year(text: str) -> int | None:
    """The target year of a reform plan announced at the top of the article, if there is one."""
    m = PLAN_RE.search(title_and_lead(text))
    if not m:
        return None
    return int(m.group(1)) if m.group(1) else 0


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
    if any(s.value is not None or s.attrs.get("rank") for s in scores):
        return True, "index_score"
    if plan_year(text) is not None:
        return True, "plan"
    return True, "other_cchc"
