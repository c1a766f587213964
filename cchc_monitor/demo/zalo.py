"""A local stand-in for the Zalo Bot API in the demo: answers `sendMessage` as the real API does."""

from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DEMO_TOKEN = "123456789:demoBotTokenForLoopbackOnly"  # the fake accepts only this token (format {bot_id}:{key})
DEMO_CHAT = "demo.chat.cchc"


class DemoZalo:
    """Serves `POST /bot<token>/sendMessage` on 127.0.0.1; `url` is the zalo:// target that reaches it."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self.messages: list[dict[str, str]] = []
        zalo = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path != f"/bot{DEMO_TOKEN}/sendMessage":
                    answer, status = {"ok": False, "error_code": 401, "description": "Unauthorized"}, 401
                else:
                    zalo.keep({"chat_id": str(body.get("chat_id")), "text": str(body.get("text"))})
                    answer = {"ok": True, "result": {"message_id": uuid.uuid4().hex[:20],
                                                     "date": int(time.time() * 1000)}}
                    status = 200
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The Apprise URL of the demo's Zalo chat (point CCHC_ZALO_BOT_API at `base`)."""
        return f"zalo://{DEMO_TOKEN}/{DEMO_CHAT}"

    def keep(self, message: dict[str, str]) -> None:
        """Store one received message (and write it to the folder, when there is one)."""
        self.messages.append(message)
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"{len(self.messages):03d}.json"
            path.write_text(json.dumps(message, ensure_ascii=False, indent=1), encoding="utf-8")

    def __enter__(self) -> DemoZalo:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
