"""Delivery through Apprise (the only module that imports it); secrets never leave this module."""

from __future__ import annotations

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
        with apprise.LogCapture(level=logging.WARNING) as captured:
            ok = sender.notify(title=title, body=body)
        if ok is not True:
            detail = " ".join(captured.getvalue().split())[-300:] or "Apprise reported failure"
            raise DeliveryError(f"delivery failed: {redact(detail, list(self.urls))}")
