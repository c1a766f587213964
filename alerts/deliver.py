"""Delivery through Apprise (the only module that imports it); secrets never leave this module."""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import apprise

from cchc_monitor.errors import DeliveryError

# Apprise logs delivery problems instead of raising; keep its records out of shared handlers,
# since they can carry parts of target URLs.
logging.getLogger("apprise").propagate = False


def redact(text: str, urls: list[str]) -> str:
    """Remove every configured URL and its secret parts (user, password, path, query) from text."""
    secrets: set[str] = set()
    for url in urls:
        secrets.add(url)
        parts = urlsplit(url)
        for piece in (parts.username, parts.password, parts.query, parts.path.strip("/")):
            if piece and len(piece) >= 4:
                secrets.add(piece)
        secrets.update(p for p in re.split(r"[/?&=]", parts.path + "?" + parts.query) if len(p) >= 6)
        host = parts.netloc.rsplit("@", 1)[-1]
        if "." not in host:  # a token in the host slot (tgram://TOKEN/…), not a server name
            secrets.add(host)
            secrets.update(p for p in host.split(":") if len(p) >= 6)
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _plain(text: str, limit: int = 250) -> str:
    """A title without control characters or line breaks, cut to `limit` characters."""
    text = " ".join(CONTROL_RE.sub(" ", text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _escaped_html(text: str) -> str:
    """Untrusted text as HTML: every character escaped, line breaks kept."""
    return "<br>\n".join(html.escape(CONTROL_RE.sub(" ", line)) for line in text.splitlines())


@dataclass(frozen=True)
class Notifier:
    """Sends a title and body to every configured Apprise URL."""

    urls: tuple[str, ...]

    def __post_init__(self) -> None:
        for number, url in enumerate(self.urls, start=1):
            if not apprise.Apprise().add(url):
                scheme = urlsplit(url).scheme or "(none)"
                raise DeliveryError(f"notify URL #{number} (scheme {scheme}://) is not a valid Apprise URL")

    @property
    def configured(self) -> bool:
        """Whether there is anywhere to send to."""
        return bool(self.urls)

    def send(self, title: str, body: str) -> None:
        """Deliver to all targets or raise DeliveryError with a redacted reason."""
        if not self.urls:
            raise DeliveryError("no notification targets are configured (CCHC_NOTIFY_URLS is empty)")
        sender = apprise.Apprise()
        sender.add(list(self.urls))
        with apprise.LogCapture(  # type: ignore[no-untyped-call]  # apprise leaves LogCapture.__init__ unannotated
            level=logging.WARNING
        ) as captured:
            # titles and phrases come from scraped pages: sent as escaped HTML, never as markup
            ok = sender.notify(title=_plain(title), body=_escaped_html(body), body_format=apprise.NotifyFormat.HTML)
        if ok is not True:
            detail = " ".join(captured.getvalue().split())[-300:] or "Apprise reported failure"
            raise DeliveryError(f"delivery failed: {redact(detail, list(self.urls))}")
