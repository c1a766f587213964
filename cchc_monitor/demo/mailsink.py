"""A local SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message it receives, in memory and on disk."""

from __future__ import annotations

import email
import email.policy
import socket
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

SENDER = "canhbao@cchc-monitor.local"   # "alert" sender of the demo
RECIPIENT = "lanhdao@cchc-monitor.local"  # "leadership" mailbox of the demo


class _Handler:
    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.sink.keep(message)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MailSink:
    """Receives mail on loopback; `url` is the Apprise mailto:// URL that delivers to it."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self.messages: list[EmailMessage] = []
        self.port = _free_port()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        """Apprise URL for plain SMTP to this sink."""
        return f"mailto://127.0.0.1:{self.port}?from={SENDER}&to={RECIPIENT}"

    def keep(self, message: EmailMessage) -> None:
        """Store one received message."""
        self.messages.append(message)
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"{len(list(self.folder.glob('*.eml'))) + 1:03d}.eml"
            path.write_bytes(message.as_bytes())

    @staticmethod
    def text_of(message: EmailMessage) -> str:
        """The plain-text body of a message."""
        part = message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    def __enter__(self) -> MailSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
