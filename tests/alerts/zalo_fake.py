"""A stand-in for the Zalo Bot, OA and OAuth APIs on 127.0.0.1 that answers as zalo-apis.md documents them."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qsl

from alerts.zalo import ZaloEndpoints

ApiName = Literal["bot", "oa", "oauth"]

BOT_TOKEN = "123456789:fakeBotKey_-xyz"
APP_ID = "4301898283212345678"
SECRET_KEY = "fake-secret-KEY-0123"
FIRST_REFRESH_TOKEN = "fake-refresh-0-L2Y2BO9Prn_I1SkM08T4J99bZQ"

BOT_DESCRIPTIONS = {400: "Bad Request", 401: "Unauthorized", 403: "Internal server error", 404: "Not Found",
                    408: "Request timeout", 429: "Quota exceeded"}
OA_MESSAGES = {
    -32: "Your application reached limit call api", -100: "attachment_id was expired", -200: "Send message failed",
    -201: "text is invalid!", -204: "Offical Account is disable", -205: "Offical Account is not exist",
    -209: "Not supported this api", -210: "Parameter exceeds allowable limit", -211: "Out of quota",
    -212: "App has not registed this api", -213: "User has not followed OA", -216: "Access token is invalid",
    -217: "User has blocked invitation from OA", -218: "Out of quota receive", -219: "App is removed or disabled",
    -220: "access_token is expired or removed", -221: "OA is not verified", -223: "OA has not authorized this API",
    -224: "OA tier package needed", -227: "User is banned or has been inactive for more than 45 days",
    -230: "User has not interacted with the OA in the past 7 days",
    -232: "User has not interacted with the OA, or the last interaction has expired",
    -233: "Message type is invalid", -234: "This message type cannot be sent at night",
    -235: "This API is not for this OA type", -240: "MessageV2 API has been shut down, please switch to MessageV3",
    -242: "Invalid appsecret_proof provided in the API argument", -244: "User restricted this message type",
    -248: "Message violates platform standards", -320: "App needs a Zalo Cloud Account",
    -321: "Zalo Cloud Account is out of money",
    404: "You are accessing an empty or invalid API. Please check the endpoint again.",
}


@dataclass(frozen=True)
class Answer:
    """One scripted answer: a status and a body (dict or list → JSON; str or bytes → as given; None → empty)."""

    status: int = 200
    body: Any = None
    headers: tuple[tuple[str, str], ...] = ()
    action: Literal["answer", "hang", "close"] = "answer"


@dataclass(frozen=True)
class Recorded:
    """One request the fake received: `body` is parsed JSON, a form as a dict, else the text."""

    api: ApiName | Literal["unknown"]
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: Any
    raw: bytes = field(repr=False)
    status: int | None  # what the fake answered (None: no answer)


class ZaloFake:
    """The three Zalo APIs on one loopback port, recording every request and answering as documented, or as scripted.

    Usage::

        with ZaloFake() as zalo:                      # or: zalo = ZaloFake().start(); ...; zalo.stop()
            endpoints = zalo.endpoints()              # ZaloEndpoints(zalo.bot_api, zalo.oa_api, zalo.oauth_api, timeout)
            url = f"zalo://{zalo.bot_token}/chat1"    # the bot token the fake accepts
            zalo.script("bot", ZaloFake.bot_error(429))   # the next Bot request gets this answer instead
            ...
            zalo.requests                             # every request: api, path, headers, parsed body
            zalo.messages                             # the texts delivered, as (api, recipient, text)

    What it does unscripted (one server, three base URLs):

    * Bot (`bot_api` = base): `POST /bot<TOKEN>/sendMessage` with JSON (or form) `chat_id` and `text` (1 to 2,000
      characters) answers `{"ok": true, "result": {"message_id": "<20 hex>", "date": <epoch ms>}}`; another token
      answers HTTP 401 `{"ok": false, "error_code": 401, "description": "Unauthorized"}`; a missing field, a text over
      2,000 characters, a chat not in `bot_chats` (when that is set) or a method other than sendMessage/getMe answers
      HTTP 400 with error_code 400. (Which HTTP status carries a Bot error is not documented: unscripted the status
      equals the code; `bot_error(code, status=200)` gives the other form, HTTP 200 with `ok: false`.)
    * OA (`oa_api` = base): `POST /v3.0/oa/message/cs` with header `access_token` equal to `oa_access_token` and
      `{"recipient": {"user_id"}, "message": {"text"}}` answers the documented success body (`data.message_id`,
      `user_id`, `sent_time`, `quota`, `"error": 0, "message": "Success"`). Errors come as HTTP 200
      `{"error": N, "message": ...}`: -216 "Access token is invalid" for any other token, the code given to
      `expire_access_token()` for the current one after that call, -230 for a user not in `oa_users` (when set),
      -201 for a missing or too long text. An unknown path answers `{"error": 404, ...}`.
    * OAuth (`oauth_api` = base + "/v4"): `POST /v4/oa/access_token`, form `refresh_token`, `app_id`,
      `grant_type=refresh_token`, header `secret_key`: the current refresh token gets a new pair
      `{"access_token", "refresh_token", "expires_in": "90000"}` (a string, as documented); the old refresh token is
      spent and the old access token stops working. A spent or unknown refresh token answers
      `{"error": -14014, "message": "Invalid refresh token"}`. A wrong secret key or app id is not documented; the
      fake answers it the same way.

    A scripted answer (`script(api, *answers)`) replaces the default behaviour for one request to that API, in order;
    it changes no state (a scripted OAuth success rotates nothing). `Answer(action="hang")` never answers (until
    `stop()`), for timeouts; `Answer(action="close")` closes the connection without an answer.
    """

    def __init__(self, *, bot_token: str = BOT_TOKEN, app_id: str = APP_ID, secret_key: str = SECRET_KEY,
                 refresh_token: str = FIRST_REFRESH_TOKEN, access_token: str | None = None) -> None:
        self.bot_token = bot_token
        self.app_id = app_id
        self.secret_key = secret_key
        self.oa_refresh_token = refresh_token
        self.oa_access_token = access_token or "fake-access-0-" + secrets.token_urlsafe(12)
        self.bot_chats: set[str] | None = None  # None: every chat id is known
        self.oa_users: set[str] | None = None  # None: every user has interacted with the OA
        self.spent_refresh_tokens: list[str] = []
        self.issued_pairs: list[tuple[str, str]] = []  # (access, refresh) pairs handed out, in order
        self.messages: list[tuple[ApiName, str, str]] = []
        self._expired_code: int | None = None
        self._requests: list[Recorded] = []
        self._scripts: dict[ApiName, deque[Answer]] = {"bot": deque(), "oa": deque(), "oauth": deque()}
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> ZaloFake:
        """Listen on 127.0.0.1 (a free port) in a background thread; returns self."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                fake._handle(self)

            def do_GET(self) -> None:  # noqa: N802
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return  # quiet: the paths hold the bot token

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        # a short poll interval: stop() returns at once instead of after serve_forever's default half second
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="zalo-fake", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release hanging answers and stop listening."""
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> ZaloFake:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- addresses -------------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def bot_api(self) -> str:
        return self.base_url

    @property
    def oa_api(self) -> str:
        return self.base_url

    @property
    def oauth_api(self) -> str:
        return self.base_url + "/v4"

    def endpoints(self, timeout: float = 5.0) -> ZaloEndpoints:
        """ZaloEndpoints aimed at this fake."""
        return ZaloEndpoints(self.bot_api, self.oa_api, self.oauth_api, timeout)

    # --- scripting and inspection ----------------------------------------------------------------------------

    def script(self, api: ApiName, *answers: Answer) -> None:
        """Queue answers for the next requests to `api` ("bot", "oa" or "oauth"), one each, in order."""
        with self._lock:
            self._scripts[api].extend(answers)

    @property
    def requests(self) -> list[Recorded]:
        """Every request so far, in order (a copy)."""
        with self._lock:
            return list(self._requests)

    def requests_to(self, api: ApiName) -> list[Recorded]:
        return [r for r in self.requests if r.api == api]

    def expire_access_token(self, code: int = -220) -> None:
        """The current OA access token is answered with `code` (-220 "expired or removed", or -216) from now on."""
        self._expired_code = code

    @staticmethod
    def bot_error(code: int, *, status: int | None = None, description: str | None = None) -> Answer:
        """A Bot API error: HTTP `status` (default: the code itself) with `{"ok": false, "error_code", "description"}`."""
        return Answer(code if status is None else status,
                      {"ok": False, "error_code": code, "description": description or BOT_DESCRIPTIONS.get(code, "")})

    @staticmethod
    def oa_error(code: int, message: str | None = None) -> Answer:
        """An OA (or OAuth) error as Zalo sends it: HTTP 200 with `{"error": code, "message": ...}`."""
        return Answer(200, {"error": code, "message": message or OA_MESSAGES.get(code, "Unknown error")})

    # --- serving ---------------------------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in handler.headers.items()}
        path = handler.path.split("?", 1)[0]
        api: ApiName | Literal["unknown"] = (
            "bot" if path.startswith("/bot") else "oa" if path.startswith("/v3.0/oa/")
            else "oauth" if path.startswith("/v4/oa/") else "unknown")
        body = _parse(raw, headers.get("content-type", ""))
        with self._lock:
            scripted = self._scripts[api].popleft() if api != "unknown" and self._scripts[api] else None
        if scripted is None:
            answer = self._default(api, handler.command, path, headers, body)
        else:
            answer = scripted
        with self._lock:
            self._requests.append(Recorded(api, handler.command, path, headers, body, raw,
                                           None if answer.action != "answer" else answer.status))
        if answer.action == "hang":
            self._release.wait(60)
            handler.close_connection = True
            return
        if answer.action == "close":
            handler.close_connection = True
            return
        if isinstance(answer.body, dict | list):
            payload = json.dumps(answer.body, ensure_ascii=False).encode("utf-8")
            content_type = "application/json; charset=utf-8"
        elif isinstance(answer.body, str):
            payload, content_type = answer.body.encode("utf-8"), "text/html; charset=utf-8"
        else:
            payload, content_type = answer.body or b"", "application/octet-stream"
        handler.send_response(answer.status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in answer.headers:
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)

    def _default(self, api: str, method: str, path: str, headers: dict[str, str], body: Any) -> Answer:
        if api == "bot":
            return self._bot(method, path, body)
        if api == "oa" and path == "/v3.0/oa/message/cs" and method == "POST":
            return self._oa_send(headers, body)
        if api == "oauth" and path == "/v4/oa/access_token" and method == "POST":
            return self._oauth(headers, body)
        return self.oa_error(404)

    def _bot(self, method: str, path: str, body: Any) -> Answer:
        token, _, name = path[len("/bot"):].partition("/")
        if token != self.bot_token:
            return self.bot_error(401)
        if name == "getMe":
            bot_id = self.bot_token.split(":")[0]
            return Answer(200, {"ok": True, "result": {"id": bot_id, "account_name": "bot.Fake",
                                                       "account_type": "BASIC", "can_join_groups": False}})
        if name != "sendMessage" or method != "POST" or not isinstance(body, dict):
            return self.bot_error(400)
        chat_id, text = body.get("chat_id"), body.get("text")
        if not isinstance(chat_id, str) or not chat_id or not isinstance(text, str) or not 1 <= len(text) <= 2000:
            return self.bot_error(400)
        if self.bot_chats is not None and chat_id not in self.bot_chats:
            return self.bot_error(400)
        with self._lock:
            self.messages.append(("bot", chat_id, text))
        return Answer(200, {"ok": True, "result": {"message_id": secrets.token_hex(10),
                                                   "date": int(time.time() * 1000)}})

    def _oa_send(self, headers: dict[str, str], body: Any) -> Answer:
        token = headers.get("access_token")
        if token != self.oa_access_token:
            return self.oa_error(-216)
        if self._expired_code is not None:
            return self.oa_error(self._expired_code)
        recipient = body.get("recipient") if isinstance(body, dict) else None
        message = body.get("message") if isinstance(body, dict) else None
        user_id = recipient.get("user_id") if isinstance(recipient, dict) else None
        text = message.get("text") if isinstance(message, dict) else None
        if not isinstance(user_id, str) or not user_id:
            return self.oa_error(-201, "user_id is invalid!")
        if not isinstance(text, str) or not 1 <= len(text) <= 2000:
            return self.oa_error(-201, "text is invalid!")
        if self.oa_users is not None and user_id not in self.oa_users:
            return self.oa_error(-230)
        with self._lock:
            self.messages.append(("oa", user_id, text))
        return Answer(200, {"data": {"quota": {"quota_type": "reply", "remain": "8", "total": "8"},
                                     "message_id": secrets.token_hex(10), "user_id": user_id,
                                     "sent_time": str(int(time.time() * 1000))},
                            "error": 0, "message": "Success"})

    def _oauth(self, headers: dict[str, str], body: Any) -> Answer:
        form = body if isinstance(body, dict) else {}
        refresh = form.get("refresh_token")
        valid = (headers.get("secret_key") == self.secret_key and form.get("app_id") == self.app_id
                 and form.get("grant_type") == "refresh_token" and refresh == self.oa_refresh_token)
        if not valid:
            return self.oa_error(-14014, "Invalid refresh token")
        with self._lock:
            self.spent_refresh_tokens.append(self.oa_refresh_token)
            number = len(self.issued_pairs) + 1
            self.oa_access_token = f"fake-access-{number}-" + secrets.token_urlsafe(12)
            self.oa_refresh_token = f"fake-refresh-{number}-" + secrets.token_urlsafe(12)
            self.issued_pairs.append((self.oa_access_token, self.oa_refresh_token))
            self._expired_code = None
        return Answer(200, {"access_token": self.oa_access_token, "refresh_token": self.oa_refresh_token,
                            "expires_in": "90000"})


def _parse(raw: bytes, content_type: str) -> Any:
    text = raw.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            return json.loads(text)
        except ValueError:
            return text
    if "x-www-form-urlencoded" in content_type:
        return dict(parse_qsl(text, keep_blank_values=True))
    return text
