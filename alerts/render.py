"""Messages from templates (jinja2): one article's alerts as an HTML e-mail or a short chat text."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from cchc_monitor.models import PendingAlert

SEVERITY = {"info": ("Thông tin", "#3e7bfa"), "warning": ("Cảnh báo", "#f0a500"),  # "information", "warning"
            "critical": ("Khẩn", "#d64545")}  # "urgent"
CHAT_PHRASE = 160  # characters of the phrase quoted in a chat message


@dataclass(frozen=True)
class Message:
    """What goes to one target: a subject and a body in the target's format."""

    title: str
    body: str
    html: bool


@lru_cache(maxsize=2)
def _env(html: bool) -> Environment:
    """HTML templates escape everything scraped; text templates keep their line breaks as written."""
    return Environment(loader=PackageLoader("alerts", "templates"), undefined=StrictUndefined,
                       autoescape=select_autoescape(["html", "html.j2"]), trim_blocks=html, lstrip_blocks=html)


def _item(alert: PendingAlert) -> dict[str, Any]:
    label, colour = SEVERITY.get(alert.severity, SEVERITY["info"])
    phrase = alert.reason.get("phrase") or ""
    short = phrase if len(phrase) <= CHAT_PHRASE else phrase[: CHAT_PHRASE - 1] + "…"
    return {"summary": alert.reason.get("summary") or alert.title, "phrase": phrase, "phrase_short": short,
            "rule": alert.rule, "severity_label": label, "colour": colour}


def _links(urls: list[str]) -> list[dict[str, Any]]:
    return [{"url": u, "safe": u.startswith(("https://", "http://"))} for u in dict.fromkeys(urls)]


def render(alerts: list[PendingAlert], links: list[str], *, html: bool, limit: int = 50,
           article_title: str | None = None, place: str | None = None) -> Message:
    """One message for one target: every alert of one article (or one cycle's operator notices), at most
    `limit` of them listed, the rest counted."""
    first = alerts[0]
    subject = first.title if len(alerts) == 1 else f"{first.title} (+{len(alerts) - 1} cảnh báo)"  # "+N alerts"
    if all(a.operator for a in alerts) and len(alerts) > 1:
        subject = f"Vận hành: {len(alerts)} thông báo về nguồn tin"  # "Operations: N notices about sources"
    context = {"subject": subject, "items": [_item(a) for a in alerts[:limit]], "hidden": max(0, len(alerts) - limit),
               "links": _links(links or [u for a in alerts for u in a.reason.get("links", [])]),
               "article_title": article_title, "place": place}
    template = _env(html).get_template("alert.html.j2" if html else "alert.txt.j2")
    return Message(subject, template.render(**context).strip(), html)
