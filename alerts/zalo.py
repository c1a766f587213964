"""Stdlib clients for the Zalo Bot Platform and Official Account APIs, with typed errors that never carry a token."""

from __future__ import annotations

import fcntl
import hashlib
import http.client
import json
import logging
import os
import re
import secrets
import socket
import ssl
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from cchc_monitor.errors import DeliveryError

log = logging.getLogger(__name__)

# The addresses of the real APIs (zalo-apis.md, table at the top). The project's Settings uses these as
# its defaults (CCHC_ZALO_BOT_API, CCHC_ZALO_OA_API, CCHC_ZALO_OAUTH_API); nothing here defaults to them.
DEFAULT_BOT_API = "https://bot-api.zaloplatforms.com"
DEFAULT_OA_API = "https://openapi.zalo.me"
DEFAULT_OAUTH_API = "https://oauth.zaloapp.com/v4"

# Both APIs take 1 to 2,000 characters of text per message (Bot `sendMessage` `text`, OA consultation message).
TEXT_LIMIT = 2000
USER_AGENT = "CCHC-Monitor (Zalo alerts)"
RESPONSE_LIMIT = 1024 * 1024  # most bytes of an answer read; Zalo's answers are a few hundred bytes
EXPIRY_MARGIN = timedelta(minutes=2)  # an access token this close to its expiry is refreshed before use

BOT_TOKEN_RE = re.compile(r"^[0-9]+:[A-Z0-9_-]+$", re.IGNORECASE)  # {bot_id}:{key}, as apprise validates it
CHAT_ID_RE = re.compile(r"^[A-Z0-9._-]+$", re.IGNORECASE)

Api = Literal["bot", "oa", "oauth"]
API_NAMES: dict[Api, str] = {"bot": "Zalo Bot API", "oa": "Zalo OA", "oauth": "Zalo OAuth"}


@dataclass(frozen=True)
class ZaloEndpoints:
    """Base URLs of the three Zalo APIs and the socket timeout; the Settings class supplies every value."""

    bot_api: str  # e.g. DEFAULT_BOT_API; requests go to {bot_api}/bot{token}/{method}
    oa_api: str  # e.g. DEFAULT_OA_API; requests go to {oa_api}/v3.0/oa/message/cs
    oauth_api: str  # e.g. DEFAULT_OAUTH_API; requests go to {oauth_api}/oa/access_token
    timeout: float  # seconds a connection may stay silent (connect, each read)

    def __post_init__(self) -> None:
        for name in ("bot_api", "oa_api", "oauth_api"):
            value = getattr(self, name)
            parts = urllib.parse.urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
                raise ValueError(f"Zalo endpoint {name} must be an http(s) base URL without query, got {value!r}")
            object.__setattr__(self, name, value.rstrip("/"))
        if not self.timeout > 0:
            raise ValueError(f"Zalo endpoint timeout must be positive, got {self.timeout!r}")


# ------------------------------------------------------------------------------------------------------------
# Errors


class ZaloError(DeliveryError):
    """A Zalo API refused or failed a request; `retryable` says whether trying later may succeed.

    `api` is "bot", "oa" or "oauth"; `code` is the API's error code (the Bot API's `error_code`, the OA's or
    OAuth's `error`), or the HTTP status when the answer carried none, or None (network failures)."""

    default_retryable = False

    def __init__(self, message: str, *, api: Api, code: int | None = None, http_status: int | None = None,
                 retryable: bool | None = None) -> None:
        super().__init__(message)
        self.api: Api = api
        self.code = code
        self.http_status = http_status
        self.retryable = self.default_retryable if retryable is None else retryable

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r}, api={self.api!r}, code={self.code!r}, retryable={self.retryable})"


class ZaloAuthError(ZaloError):
    """The credentials were refused: Bot 401, or an OA access token that could not be refreshed."""


class ZaloRateLimited(ZaloError):
    """A rate limit or quota was hit (Bot 429, OA -32): try again later."""

    default_retryable = True


class ZaloNetworkError(ZaloError):
    """No answer: timeout, refused or reset connection, name lookup or TLS failure."""

    default_retryable = True


class ZaloTokenFileError(ZaloError):
    """The OA token file cannot be read or written safely (the message names the file, never a token)."""


# Bot Platform error table ("Bảng mã lỗi", bot.zapps.me/docs/error-code/): code → (meaning, retryable).
BOT_ERRORS: dict[int, tuple[str, bool]] = {
    400: ("bad request: wrong path or invalid API name (check the chat id)", False),
    401: ("unauthorized: the bot token is expired or invalid", False),
    # the table labels 403 "Internal server error"; taken at its word, so the alert stays pending
    403: ("internal server error (as Zalo's error table labels 403)", True),
    404: ("not found: invalid access request", False),
    408: ("request timeout: processing took too long", True),
    429: ("quota exceeded: the API usage limit was exceeded", True),
}

# Official Account API error table (docs/OA/phu-luc/ma-loi): code → (meaning, retryable).
OA_ERRORS: dict[int, tuple[str, bool]] = {
    -32: ("the app or the OA reached its per-minute API call limit", True),
    -100: ("attachment_id was expired", False),
    -200: ("send message failed", True),
    -201: ("a parameter is invalid", False),
    -204: ("the Official Account is disabled (deleted)", False),
    -205: ("the Official Account does not exist", False),
    -209: ("this API is not supported (the app is not activated)", False),
    -210: ("a parameter exceeds the allowable limit", False),
    -211: ("out of quota", True),
    -212: ("the app has not registered this API", False),
    -213: ("the user has not followed the OA", False),
    -216: ("access token is invalid", False),
    -217: ("the user has blocked invitations from the OA", False),
    -218: ("out of quota to receive (the recipient's limit)", True),
    -219: ("the app is removed or disabled", False),
    -220: ("access_token is expired or removed", False),
    -221: ("the OA is not verified", False),
    -223: ("the OA has not authorized this API", False),
    -224: ("the OA needs a tier package for this API", False),
    -227: ("user is banned or has been inactive for more than 45 days", False),
    -230: ("user has not interacted with the OA in the past 7 days", False),
    -232: ("user has not interacted with the OA, or the last interaction has expired", False),
    -233: ("the message type is invalid", False),
    -234: ("this message type cannot be sent at night (10 PM to 6 AM)", True),
    -235: ("this API is not available for this type of OA", False),
    -240: ("the MessageV2 API has been shut down, please switch to MessageV3", False),
    -242: ("invalid appsecret_proof provided in the API argument", False),
    -244: ("the user has restricted this message type", False),
    -248: ("the message violates platform standards", False),
    -320: ("the app needs a Zalo Cloud Account", False),
    -321: ("the Zalo Cloud Account is out of money", False),
    404: ("empty or invalid API path", False),  # Zalo's answer to an unknown path: {"error": 404, ...}
}

# Token endpoint errors: no official table; these codes were recorded by third parties (zalo-apis.md 3.4).
OAUTH_ERRORS: dict[int, tuple[str, bool]] = {
    -14014: ("invalid refresh token (already used, expired or unknown)", False),
    -118: ("invalid grant", False),
    -14003: ("redirect_uri mismatch", False),
    -14012: ("token request rejected (code seen in community threads; meaning not documented)", False),
    -14024: ("token request rejected (code seen in community threads; meaning not documented)", False),
    -32: ("the app reached its per-minute API call limit", True),
    404: ("empty or invalid API path", False),
}

TOKEN_REJECTED = frozenset({-216, -220})  # OA: refresh the access token, then retry once
REFRESH_REJECTED = frozenset({-14014, -118, -14003, -14012, -14024})  # OAuth: the refresh token is refused


def _clean(text: object, secret_values: tuple[str, ...], limit: int = 200) -> str:
    """A server-supplied text made safe to put in a message: one line, short, without any secret."""
    value = " ".join(str(text).split())
    for secret in secret_values:
        if secret:
            value = value.replace(secret, "***")
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _as_code(value: object) -> int | None:
    """An error code given as a number or a numeric string (Zalo answers both), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def api_error(api: Api, code: int | None, *, http_status: int | None, detail: object = None,
              secret_values: tuple[str, ...] = ()) -> ZaloError:
    """The typed error for an error code (or, without one, the HTTP status) of one of the APIs, in English with
    the code's documented meaning, the HTTP status when it says something more, and Zalo's own words."""
    table = {"bot": BOT_ERRORS, "oa": OA_ERRORS, "oauth": OAUTH_ERRORS}[api]
    name = API_NAMES[api]
    if code is not None and code in table:
        meaning, retryable = table[code]
        message = f"{name} error {code}: {meaning}"
    elif code is not None and code != http_status:
        meaning, retryable = "not in Zalo's documented error table", 500 <= code < 600 or (http_status or 0) >= 500
        message = f"{name} error {code}: {meaning}"
    elif http_status is not None and 200 <= http_status < 300:  # `ok: false` without an error code
        meaning, retryable = "refused without an error code", False
        message = f"{name} {meaning}"
    else:  # only an HTTP status
        code = http_status if http_status is not None else 0
        retryable = code >= 500 or code in (408, 429)
        meaning = ("server error" if code >= 500 else "redirects are not followed" if 300 <= code < 400
                   else "unexpected status")
        message = f"{name} answered HTTP {code} ({meaning})"
    if http_status is not None and http_status != code and (api == "bot" or http_status != 200):
        message += f" (HTTP {http_status})"  # which of the Bot API's two error forms; OA errors all come as 200
    said = "" if detail is None else _clean(detail, secret_values)
    if said and said.lower() not in meaning.lower():  # Zalo's words when they add to the documented meaning
        message += f'; Zalo said: "{said}"'
    if (api == "bot" and code == 401) or (api == "oa" and code in TOKEN_REJECTED) or \
            (api == "oauth" and code in REFRESH_REJECTED):
        return ZaloAuthError(message, api=api, code=code, http_status=http_status, retryable=False)
    if (api == "bot" and code == 429) or (api in ("oa", "oauth") and code == -32):
        return ZaloRateLimited(message, api=api, code=code, http_status=http_status)
    return ZaloError(message, api=api, code=code, http_status=http_status, retryable=retryable)


# ------------------------------------------------------------------------------------------------------------
# Text


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """The text cut into messages of at most `limit` characters, on paragraph boundaries (blank lines), else
    line, else word boundaries; only a single word longer than `limit` is cut inside (between characters, never
    between a letter and its combining mark).

    Zalo counts characters ("1 đến 2000 ký tự"); they are counted here as Python characters (code points), so a
    Vietnamese letter is one whether precomposed or not. The UTF-16 offsets in Zalo's docs concern only
    `text_styles`, which is never sent: messages go out as plain text. The whitespace at each split point is
    dropped; the parts carry everything else in order. Text that is empty or only whitespace gives no part."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if not text.strip():
        return []
    return _split(text, limit, 0)


_SEPARATORS = (
    re.compile(r"(\s*\n[^\S\n]*\n\s*)"),  # a blank line: paragraph boundary
    re.compile(r"(\s*\n\s*)"),  # a line break
    re.compile(r"(\s+)"),  # any whitespace: word boundary
)


def _split(text: str, limit: int, level: int) -> list[str]:
    if len(text) <= limit:
        return [text]
    if level == len(_SEPARATORS):
        return _hard_cut(text, limit)
    pieces = _SEPARATORS[level].split(text)  # chunk, separator, chunk, ..., chunk
    parts: list[str] = []
    current = ""
    for index in range(0, len(pieces), 2):
        chunk = pieces[index]
        if not chunk:  # the text starts or ends with a separator
            continue
        joined = current + pieces[index - 1] + chunk if current else chunk
        if len(joined) <= limit:
            current = joined
            continue
        if current:
            parts.append(current)
        if len(chunk) <= limit:
            current = chunk
        else:
            *whole, current = _split(chunk, limit, level + 1)
            parts.extend(whole)
    if current:
        parts.append(current)
    return parts


def _hard_cut(word: str, limit: int) -> list[str]:
    parts = []
    start = 0
    while len(word) - start > limit:
        cut = start + limit
        while cut > start + 1 and unicodedata.combining(word[cut]):
            cut -= 1  # keep a combining mark with its letter
        parts.append(word[start:cut])
        start = cut
    parts.append(word[start:])
    return parts


def _check_part(text: str) -> None:
    if not text.strip():
        raise ValueError("a Zalo message needs at least one character that is not whitespace")
    if len(text) > TEXT_LIMIT:
        raise ValueError(f"a Zalo message holds at most {TEXT_LIMIT} characters, got {len(text)} (use split_text)")


# ------------------------------------------------------------------------------------------------------------
# HTTP


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as the error it is: a token never follows a Location header."""

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: Any, newurl: str) -> None:
        return None


# Proxy variables are ignored, as everywhere in the project: a token goes only to the configured address.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


def _transport_reason(exc: BaseException, timeout: float) -> str:
    """What went wrong on the wire, in words that never include the URL."""
    if isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, BaseException):
        exc = exc.reason
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} s (timeout)"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError | http.client.RemoteDisconnected | BrokenPipeError):
        return "the connection was closed before an answer arrived"
    if isinstance(exc, socket.gaierror):
        return "the host name does not resolve"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return "the TLS certificate could not be verified"
    if isinstance(exc, ssl.SSLError):
        return "TLS failure"
    if isinstance(exc, http.client.IncompleteRead):
        return "the answer was cut short"
    if isinstance(exc, http.client.HTTPException):
        return f"malformed HTTP answer ({type(exc).__name__})"
    if isinstance(exc, ValueError):
        return f"the request could not be built ({type(exc).__name__})"  # its text may quote a header value
    if isinstance(exc, OSError) and exc.strerror:
        return f"network error: {exc.strerror}"
    return f"network error ({type(exc).__name__})"


def _post(api: Api, url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> tuple[int, bytes]:
    """POST and return the HTTP status and body of any answer; a request that gets none raises ZaloNetworkError.

    urllib's HTTPError and URLError carry the request URL (which holds the Bot token) in their attributes,
    messages and reprs, so they are read here and dropped: nothing raised from here keeps one as its cause or
    context."""
    request = urllib.request.Request(url, data=body, method="POST", headers={"User-Agent": USER_AGENT, **headers})
    status: int | None = None
    payload = b""
    failure: str | None = None
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status, payload = int(response.status), response.read(RESPONSE_LIMIT)
    except urllib.error.HTTPError as exc:  # an answer with an error status: keep its status and body
        status = int(exc.code)
        try:
            payload = exc.read(RESPONSE_LIMIT)
        except Exception:  # an error answer without a readable body is still an answer
            payload = b""
        finally:
            exc.close()
    except (OSError, http.client.HTTPException, ValueError) as exc:  # URLError is an OSError
        failure = _transport_reason(exc, timeout)
    if failure is not None:
        # raised outside the except block and `from None`: the urllib error would carry the URL, so the token
        raise ZaloNetworkError(f"{API_NAMES[api]}: {failure}", api=api) from None
    assert status is not None
    return status, payload


def _json(payload: bytes) -> object | None:
    """The decoded JSON of an answer, or None when it is not JSON."""
    try:
        value: object = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value


def _not_json(api: Api, status: int, payload: bytes) -> ZaloError:
    what = "an empty body" if not payload.strip() else "a body that is not a JSON object"
    return ZaloError(f"{API_NAMES[api]} answered HTTP {status} with {what}", api=api, http_status=status,
                     retryable=True)


# ------------------------------------------------------------------------------------------------------------
# Bot Platform


class BotClient:
    """Sends text messages with a Zalo Bot token: POST {bot_api}/bot{token}/sendMessage, one per part."""

    def __init__(self, endpoints: ZaloEndpoints, token: str) -> None:
        if not BOT_TOKEN_RE.match(token or ""):
            raise ValueError("the Zalo bot token must look like <bot id>:<key> (digits, a colon, letters, - or _)")
        self.endpoints = endpoints
        self._token = token

    def __repr__(self) -> str:
        return f"BotClient(bot_api={self.endpoints.bot_api!r}, token='***')"

    def send(self, chat_id: str, text: str, *, parse_mode: str | None = None) -> list[str | None]:
        """Send `text` to one chat, split into parts of at most 2,000 characters sent in order; the message
        ids (None where Zalo answered an empty body). The first failing part raises; later parts are not sent."""
        return [self.send_part(chat_id, part, parse_mode=parse_mode) for part in split_text(text)]

    def send_part(self, chat_id: str, text: str, *, parse_mode: str | None = None) -> str | None:
        """Send one message of at most 2,000 characters; its message id, or None for an empty HTTP 200 answer
        (which counts as delivered, as in apprise's own Zalo plugin)."""
        _check_part(text)
        message: dict[str, str] = {"chat_id": chat_id, "text": text}
        if parse_mode:
            message["parse_mode"] = parse_mode
        url = f"{self.endpoints.bot_api}/bot{urllib.parse.quote(self._token, safe=':')}/sendMessage"
        status, payload = _post("bot", url, json.dumps(message, ensure_ascii=False).encode("utf-8"),
                                {"Content-Type": "application/json; charset=utf-8"}, self.endpoints.timeout)
        answer = _json(payload)
        secret_values = (self._token, self._token.split(":", 1)[1])  # the whole token, and its key alone
        if not 200 <= status < 300:
            fields = answer if isinstance(answer, dict) else {}
            code = _as_code(fields.get("error_code"))
            raise api_error("bot", code if code is not None else status, http_status=status,
                            detail=fields.get("description"), secret_values=secret_values)
        if not payload.strip():
            log.debug("Zalo Bot API: empty answer to a message for chat %s, counted as delivered", chat_id)
            return None
        if not isinstance(answer, dict):
            raise _not_json("bot", status, payload)
        if answer.get("ok") is False:
            raise api_error("bot", _as_code(answer.get("error_code")), http_status=status,
                            detail=answer.get("description"), secret_values=secret_values)
        result = answer.get("result")
        message_id = result.get("message_id") if isinstance(result, dict) else None
        log.debug("Zalo Bot API: message %s delivered to chat %s", message_id, chat_id)
        return None if message_id is None else str(message_id)


# ------------------------------------------------------------------------------------------------------------
# Official Account tokens


def _fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TokenPair:
    """An OA access token (about 25 h) with its single-use refresh token (3 months); tokens never in the repr.

    `seed_sha256` is the SHA-256 of the refresh token from the zalooa:// URL that started this chain of pairs,
    so that URL's (used-up) token is never sent again, while a new one put in the URL is noticed."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: datetime | None  # None: unknown
    seed_sha256: str | None = None

    def expired(self, now: datetime) -> bool:
        """Whether the access token is past (or within two minutes of) its known expiry."""
        return self.expires_at is not None and now >= self.expires_at - EXPIRY_MARGIN


class TokenStore:
    """The OA token pairs, per app id, in a JSON file outside the database, readable by its owner only.

    Layout: {"<app_id>": {"access_token": ..., "refresh_token": ..., "expires_at": ISO 8601 | null,
    "seed_sha256": ...}}. Every write goes to a temporary file in the same folder (created 0600), is
    fsynced and moved over the old file with os.replace, so a crash leaves the old or the new file, never half
    of one. A file that group or others may access is refused."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"TokenStore({str(self.path)!r})"

    def load(self, app_id: str) -> TokenPair | None:
        """The pair stored for the app, or None when the file or the entry does not exist."""
        entry = self._read().get(app_id)
        if entry is None:
            return None
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) and entry[k]
                                                  for k in ("access_token", "refresh_token")):
            raise self._error(f"the entry for app {app_id} is malformed")
        expires_at = None
        if entry.get("expires_at"):
            try:
                expires_at = datetime.fromisoformat(str(entry["expires_at"]))
            except ValueError:
                raise self._error(f"the entry for app {app_id} has a malformed expires_at") from None
            if expires_at.tzinfo is None:
                expires_at = expires_at.replace(tzinfo=UTC)
        seed = entry.get("seed_sha256")
        return TokenPair(entry["access_token"], entry["refresh_token"], expires_at,
                         seed if isinstance(seed, str) else None)

    def save(self, app_id: str, pair: TokenPair) -> None:
        """Store the pair for the app (other apps' entries kept), atomically."""
        entries = self._read()
        entries[app_id] = {
            "access_token": pair.access_token,
            "refresh_token": pair.refresh_token,
            "expires_at": pair.expires_at.isoformat() if pair.expires_at else None,
            "seed_sha256": pair.seed_sha256,
        }
        self._write(json.dumps(entries, indent=2, sort_keys=True).encode("utf-8") + b"\n")

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold an exclusive lock (a sidecar `<file>.lock`) while a refresh reads, rotates and writes a pair, so
        two senders never spend the same single-use refresh token."""
        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            self._folder()
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise self._error(f"its lock file cannot be opened ({exc.strerror or type(exc).__name__})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _error(self, problem: str) -> ZaloTokenFileError:
        return ZaloTokenFileError(f"Zalo token file {self.path}: {problem}", api="oa")

    def _folder(self) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)

    def _read(self) -> dict[str, Any]:
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise self._error(f"cannot be opened ({exc.strerror or type(exc).__name__})") from None
        with os.fdopen(fd, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if mode & 0o077:
                raise self._error(f"is accessible by group or others (mode {mode & 0o777:04o}); it holds OA tokens, "
                                  f"so it must be readable by its owner only: chmod 600 {self.path}")
            raw = handle.read()
        try:
            entries = json.loads(raw.decode("utf-8")) if raw.strip() else {}
        except (UnicodeDecodeError, ValueError):
            entries = None  # the decoder's message would quote the file's text, which holds tokens
        if not isinstance(entries, dict):
            raise self._error("is not a JSON object of app ids (fix or remove it, then authorize again)")
        return entries

    def _write(self, data: bytes) -> None:
        temporary = self.path.with_name(f".{self.path.name}.{secrets.token_hex(6)}.tmp")
        try:
            self._folder()
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.fchmod(fd, 0o600)
                os.write(fd, data)  # a few hundred bytes: one write
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temporary, self.path)
        except OSError as exc:
            with suppress(OSError):
                os.unlink(temporary)
            raise self._error(f"cannot be written ({exc.strerror or type(exc).__name__}); the new token pair "
                              "was not saved") from None
        with suppress(OSError):  # the rename itself made durable
            folder = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)


# ------------------------------------------------------------------------------------------------------------
# Official Account


class OAClient:
    """Sends consultation text messages as a Zalo Official Account, refreshing the access token when needed.

    The first refresh token comes from the zalooa:// URL (`refresh_token`); once the token file holds a pair for
    the app, the file wins. A rejected access token (-216 or -220) is refreshed once and the message sent once
    more; the new pair is saved before it is used, because the old refresh token is spent."""

    def __init__(self, endpoints: ZaloEndpoints, app_id: str, secret_key: str, token_store: TokenStore, *,
                 refresh_token: str | None = None) -> None:
        if not app_id or not secret_key:
            raise ValueError("a Zalo OA client needs an app id and the app's secret key")
        self.endpoints = endpoints
        self.app_id = app_id
        self.token_store = token_store
        self._secret_key = secret_key
        self._seed = refresh_token or None

    def __repr__(self) -> str:
        return (f"OAClient(app_id={self.app_id!r}, oa_api={self.endpoints.oa_api!r}, "
                f"token_store={self.token_store!r}, secret_key='***')")

    def send(self, user_id: str, text: str) -> list[str | None]:
        """Send `text` to one user in parts of at most 2,000 characters, in order; the message ids."""
        return [self.send_part(user_id, part) for part in split_text(text)]

    def send_part(self, user_id: str, text: str) -> str | None:
        """Send one message of at most 2,000 characters; its message id."""
        _check_part(text)
        pair = self.token_store.load(self.app_id)
        refreshed = False
        if pair is None or pair.expired(datetime.now(UTC)):
            pair, refreshed = self.refresh(stale=pair), True
        try:
            return self._post_message(pair, user_id, text)
        except ZaloError as exc:
            if exc.api != "oa" or exc.code not in TOKEN_REJECTED:
                raise
            if refreshed:
                raise ZaloAuthError(f"{exc}, even right after a token refresh", api="oa", code=exc.code) from None
            log.info("Zalo OA: access token of app %s rejected (%s); refreshing it once", self.app_id, exc.code)
        pair = self.refresh(stale=pair)
        try:
            return self._post_message(pair, user_id, text)
        except ZaloError as exc:
            if exc.code in TOKEN_REJECTED:
                raise ZaloAuthError(f"{exc}, even right after a token refresh", api="oa", code=exc.code) from None
            raise

    def refresh(self, stale: TokenPair | None = None) -> TokenPair:
        """A fresh pair, saved before it is returned: the stored one when another sender already replaced
        `stale`, else one from Zalo's token endpoint (the file's refresh token, then a new one from the URL)."""
        with self.token_store.locked():
            current = self.token_store.load(self.app_id)
            now = datetime.now(UTC)
            if current is not None and not current.expired(now) and (
                    stale is None or current.access_token != stale.access_token):
                return current  # another sender refreshed while this one waited for the lock
            candidates: list[tuple[str, str | None]] = []  # (refresh token, seed fingerprint of the new pair)
            if current is not None:
                candidates.append((current.refresh_token, current.seed_sha256))
            if self._seed is not None:
                seed = _fingerprint(self._seed)
                if current is None or (seed != current.seed_sha256 and self._seed != current.refresh_token):
                    candidates.append((self._seed, seed))  # a refresh token the file has not spent
            if not candidates:
                raise ZaloAuthError(f"Zalo OA: no refresh token is known for app {self.app_id}; authorize the app "
                                    "and put its refresh token in the zalooa:// URL (?refresh=)", api="oauth")
            rejection: ZaloError | None = None
            for refresh_token, seed_sha256 in candidates:
                try:
                    pair = self._exchange(refresh_token, now)
                except ZaloAuthError as exc:
                    rejection = exc
                    continue
                pair = replace(pair, seed_sha256=seed_sha256)
                self.token_store.save(self.app_id, pair)  # before any use: the old refresh token is spent
                log.info("Zalo OA: token pair of app %s refreshed and saved to %s", self.app_id,
                         self.token_store.path)
                return pair
            assert rejection is not None
            raise ZaloAuthError(f"{rejection}; the OA access token of app {self.app_id} cannot be refreshed: "
                                "authorize the app again and put the new refresh token in the zalooa:// URL "
                                "(?refresh=)", api="oauth", code=rejection.code, http_status=rejection.http_status)

    def _secret_values(self, *more: str) -> tuple[str, ...]:
        return (self._secret_key, self._seed or "", *more)

    def _exchange(self, refresh_token: str, now: datetime) -> TokenPair:
        """POST the refresh token to {oauth_api}/oa/access_token; the new pair, or the typed error."""
        form = urllib.parse.urlencode({"refresh_token": refresh_token, "app_id": self.app_id,
                                       "grant_type": "refresh_token"}).encode("ascii")
        status, payload = _post("oauth", f"{self.endpoints.oauth_api}/oa/access_token", form,
                                {"Content-Type": "application/x-www-form-urlencoded", "secret_key": self._secret_key},
                                self.endpoints.timeout)
        answer = _json(payload)
        secret_values = self._secret_values(refresh_token)
        fields = answer if isinstance(answer, dict) else {}
        code = _as_code(fields.get("error"))
        detail = fields.get("message") or fields.get("error_description") or fields.get("error_name")
        if not 200 <= status < 300:
            raise api_error("oauth", code, http_status=status, detail=detail, secret_values=secret_values)
        if not isinstance(answer, dict):
            raise _not_json("oauth", status, payload)
        if code:
            raise api_error("oauth", code, http_status=status, detail=detail, secret_values=secret_values)
        access, refresh = answer.get("access_token"), answer.get("refresh_token")
        if not (isinstance(access, str) and access and isinstance(refresh, str) and refresh):
            raise ZaloAuthError("Zalo OAuth answered without a new access and refresh token", api="oauth",
                                http_status=status)
        lifetime = _as_code(answer.get("expires_in"))  # a string in Zalo's docs, a number elsewhere
        if lifetime is None and isinstance(answer.get("expires_in"), float):
            lifetime = int(answer["expires_in"])
        expires_at = now + timedelta(seconds=lifetime) if lifetime is not None and lifetime > 0 else None
        return TokenPair(access, refresh, expires_at)

    def _post_message(self, pair: TokenPair, user_id: str, text: str) -> str | None:
        body = {"recipient": {"user_id": user_id}, "message": {"text": text}}
        status, payload = _post("oa", f"{self.endpoints.oa_api}/v3.0/oa/message/cs",
                                json.dumps(body, ensure_ascii=False).encode("utf-8"),
                                {"Content-Type": "application/json; charset=utf-8", "access_token": pair.access_token},
                                self.endpoints.timeout)
        answer = _json(payload)
        secret_values = self._secret_values(pair.access_token, pair.refresh_token)
        fields = answer if isinstance(answer, dict) else {}
        code = _as_code(fields.get("error"))
        if not 200 <= status < 300:
            if status == 429 and code is None:
                raise ZaloRateLimited("Zalo OA answered HTTP 429 (too many requests)", api="oa", code=429,
                                      http_status=status)
            raise api_error("oa", code, http_status=status, detail=fields.get("message"),
                            secret_values=secret_values)
        if not isinstance(answer, dict):
            raise _not_json("oa", status, payload)
        if code:
            raise api_error("oa", code, http_status=status, detail=fields.get("message"),
                            secret_values=secret_values)
        if code is None:
            raise ZaloError("Zalo OA answered HTTP 200 without an error field", api="oa", http_status=status,
                            retryable=True)
        data = answer.get("data")
        message_id = data.get("message_id") if isinstance(data, dict) else None
        log.debug("Zalo OA: message %s delivered to user %s", message_id, user_id)
        return None if message_id is None else str(message_id)
