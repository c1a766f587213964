"""The Zalo clients, token file, text splitting and Apprise plugins against a loopback fake of the documented APIs."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import socket
import stat
import traceback
import unicodedata
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import apprise
import pytest

from alerts import zalo_plugins
from alerts.zalo import (
    DEFAULT_BOT_API,
    DEFAULT_OA_API,
    DEFAULT_OAUTH_API,
    OA_ERRORS,
    BotClient,
    OAClient,
    TokenPair,
    TokenStore,
    ZaloAuthError,
    ZaloEndpoints,
    ZaloError,
    ZaloNetworkError,
    ZaloRateLimited,
    ZaloTokenFileError,
    split_text,
)
from alerts.zalo_plugins import NotifyZaloBot, NotifyZaloOA
from cchc_monitor.errors import DeliveryError
from tests.alerts.zalo_fake import APP_ID, BOT_TOKEN, FIRST_REFRESH_TOKEN, SECRET_KEY, Answer, ZaloFake

USER = "2512523625412515"
STATIC_SECRETS = (BOT_TOKEN, BOT_TOKEN.split(":")[1], SECRET_KEY, FIRST_REFRESH_TOKEN)


# --- fixtures and helpers ------------------------------------------------------------------------------------


@pytest.fixture
def zalo() -> Iterator[ZaloFake]:
    with ZaloFake() as fake:
        yield fake


@pytest.fixture
def store(tmp_path: Path) -> TokenStore:
    return TokenStore(tmp_path / "secrets" / "zalo-tokens.json")


@pytest.fixture
def oa(zalo: ZaloFake, store: TokenStore) -> OAClient:
    return OAClient(zalo.endpoints(), APP_ID, SECRET_KEY, store, refresh_token=FIRST_REFRESH_TOKEN)


@pytest.fixture
def bot(zalo: ZaloFake) -> BotClient:
    return BotClient(zalo.endpoints(), BOT_TOKEN)


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every log record at DEBUG, Apprise's too (the delivery module stops those from propagating)."""
    caplog.set_level(logging.DEBUG)
    apprise_logger = logging.getLogger("apprise")
    level = apprise_logger.level
    apprise_logger.addHandler(caplog.handler)
    apprise_logger.setLevel(logging.DEBUG)
    yield caplog
    apprise_logger.removeHandler(caplog.handler)
    apprise_logger.setLevel(level)


@pytest.fixture
def plugins(zalo: ZaloFake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Both plugins registered and aimed at the fake; the token file they use."""
    monkeypatch.setattr(zalo_plugins, "_configuration", None)  # restored after the test
    token_file = tmp_path / "zalo-tokens.json"
    zalo_plugins.configure(zalo.endpoints(), token_file)
    zalo_plugins.register()
    return token_file


def secrets_of(zalo: ZaloFake) -> list[str]:
    """Every secret in play: the static ones and every token the fake has handed out."""
    return [*STATIC_SECRETS, zalo.oa_access_token, zalo.oa_refresh_token,
            *(token for pair in zalo.issued_pairs for token in pair)]


def assert_secret_free(text: str, zalo: ZaloFake) -> None:
    for secret in secrets_of(zalo):
        assert secret not in text


def assert_clean_error(exc: BaseException, zalo: ZaloFake) -> None:
    """No token in the message, repr or printed traceback; no urllib error (it carries the URL) in the chain."""
    assert_secret_free(str(exc) + repr(exc) + "".join(traceback.format_exception(exc)), zalo)
    link: BaseException | None = exc
    while link is not None:
        assert isinstance(link, ZaloError), f"{type(link).__name__} in the chain of {exc!r}"
        link = link.__cause__ or link.__context__


def preload(store: TokenStore, zalo: ZaloFake) -> None:
    """The token file already holds the fake's current, valid pair (no refresh needed)."""
    store.save(APP_ID, TokenPair(zalo.oa_access_token, zalo.oa_refresh_token, None))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def check_split(text: str, parts: list[str], limit: int) -> None:
    """Every part fits; the parts are the text in order, only whitespace at split points is gone; a split without
    whitespace happens only inside a single word longer than the limit."""
    assert all(0 < len(p) <= limit for p in parts)
    assert all(p.strip() for p in parts)
    position = 0
    for index, part in enumerate(parts):
        found = text.find(part, position)
        assert found >= 0 and text[position:found].strip() == "", f"part {index} is not the next text"
        if index and found == position:  # glued to the previous part: a hard cut inside an overlong word
            before = parts[index - 1]
            assert len(before) >= limit - 2 and not before[-1].isspace() and not part[0].isspace()
            word_start = len(text[:found]) - len(text[:found].split()[-1])
            word_end = found + len(text[found:].split()[0])
            assert word_end - word_start > limit
        position = found + len(part)
    assert text[position:].strip() == ""


# --- endpoints -----------------------------------------------------------------------------------------------


def test_endpoints_have_no_defaults_and_the_real_addresses_are_constants() -> None:
    with pytest.raises(TypeError):
        ZaloEndpoints()  # type: ignore[call-arg]  # on purpose: every field must be given (Settings holds the defaults)
    endpoints = ZaloEndpoints(DEFAULT_BOT_API + "/", DEFAULT_OA_API, DEFAULT_OAUTH_API, 20.0)
    assert (endpoints.bot_api, endpoints.oa_api, endpoints.oauth_api) == (
        "https://bot-api.zaloplatforms.com", "https://openapi.zalo.me", "https://oauth.zaloapp.com/v4")
    for bad in ("ftp://x", "bot-api.zaloplatforms.com", "https://x/?a=1"):
        with pytest.raises(ValueError):
            ZaloEndpoints(bad, DEFAULT_OA_API, DEFAULT_OAUTH_API, 20.0)
    with pytest.raises(ValueError):
        ZaloEndpoints(DEFAULT_BOT_API, DEFAULT_OA_API, DEFAULT_OAUTH_API, 0)


def test_every_zalo_error_is_a_delivery_error() -> None:
    for cls in (ZaloError, ZaloAuthError, ZaloRateLimited, ZaloNetworkError, ZaloTokenFileError):
        assert issubclass(cls, DeliveryError)


# --- Bot API -------------------------------------------------------------------------------------------------


def test_bot_send_posts_json_to_the_token_path_and_returns_the_message_id(zalo: ZaloFake, bot: BotClient) -> None:
    ids = bot.send("chat.1-A_b", "Cảnh báo: 1.416 hồ sơ trễ hạn")
    (request,) = zalo.requests
    assert request.method == "POST" and request.path == f"/bot{BOT_TOKEN}/sendMessage"
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert request.body == {"chat_id": "chat.1-A_b", "text": "Cảnh báo: 1.416 hồ sơ trễ hạn"}
    assert len(ids) == 1 and ids[0] is not None and len(ids[0]) == 20
    assert zalo.messages == [("bot", "chat.1-A_b", "Cảnh báo: 1.416 hồ sơ trễ hạn")]


def test_bot_long_text_goes_out_as_parts_in_order(zalo: ZaloFake, bot: BotClient) -> None:
    paragraphs = [f"Đoạn {n}: " + "cải cách hành chính " * 60 for n in range(1, 5)]  # about 1,200 characters each
    text = "\n\n".join(paragraphs)
    ids = bot.send("chat1", text)
    sent = [t for _, _, t in zalo.messages]
    assert len(ids) == len(sent) == 4
    assert [s.strip() for s in sent] == [p.strip() for p in paragraphs]


BOT_ERRORS = [  # code, class, retryable, the documented meaning (bot.zapps.me/docs/error-code/)
    (400, ZaloError, False, "bad request: wrong path or invalid API name"),
    (401, ZaloAuthError, False, "unauthorized: the bot token is expired or invalid"),
    (403, ZaloError, True, "internal server error"),
    (404, ZaloError, False, "not found: invalid access request"),
    (408, ZaloError, True, "request timeout: processing took too long"),
    (429, ZaloRateLimited, True, "quota exceeded: the API usage limit was exceeded"),
]


@pytest.mark.parametrize("form", ["http status with body", "http 200 ok false", "http status, empty body"])
@pytest.mark.parametrize(("code", "cls", "retryable", "meaning"), BOT_ERRORS, ids=[str(c[0]) for c in BOT_ERRORS])
def test_bot_documented_errors_in_both_forms(zalo: ZaloFake, bot: BotClient, form: str, code: int,
                                             cls: type[ZaloError], retryable: bool, meaning: str) -> None:
    answer = {"http status with body": ZaloFake.bot_error(code),
              "http 200 ok false": ZaloFake.bot_error(code, status=200),
              "http status, empty body": Answer(code)}[form]
    zalo.script("bot", answer)
    with pytest.raises(ZaloError) as caught:
        bot.send("chat1", "xin chào")
    exc = caught.value
    assert type(exc) is cls and exc.api == "bot" and exc.code == code and exc.retryable is retryable
    assert str(exc).startswith(f"Zalo Bot API error {code}: {meaning}")
    assert exc.http_status == answer.status
    assert ("(HTTP 200)" in str(exc)) is (answer.status == 200)
    assert_clean_error(exc, zalo)


OTHER_BOT_ANSWERS = [  # answer, class, retryable, message
    (Answer(500, "<html>Internal Server Error</html>"), ZaloError, True, "Zalo Bot API answered HTTP 500 (server error)"),
    (Answer(502), ZaloError, True, "Zalo Bot API answered HTTP 502 (server error)"),
    (Answer(503, {"ok": False, "error_code": 503, "description": "busy"}), ZaloError, True,
     'Zalo Bot API answered HTTP 503 (server error); Zalo said: "busy"'),
    (Answer(200, "<html>captive portal</html>"), ZaloError, True,
     "Zalo Bot API answered HTTP 200 with a body that is not a JSON object"),
    (Answer(200, {"ok": False}), ZaloError, False, "Zalo Bot API refused without an error code (HTTP 200)"),
    (Answer(200, {"ok": False, "error_code": 999, "description": "strange"}), ZaloError, False,
     'Zalo Bot API error 999: not in Zalo\'s documented error table (HTTP 200); Zalo said: "strange"'),
    (Answer(400, {"ok": False, "error_code": 401, "description": "Unauthorized"}), ZaloAuthError, False,
     "Zalo Bot API error 401: unauthorized: the bot token is expired or invalid (HTTP 400)"),
    (Answer(302, None, (("Location", "http://127.0.0.1:1/elsewhere"),)), ZaloError, False,
     "Zalo Bot API answered HTTP 302 (redirects are not followed)"),
    (Answer(action="close"), ZaloNetworkError, True, "Zalo Bot API: the connection was closed before an answer arrived"),
]


@pytest.mark.parametrize(("answer", "cls", "retryable", "message"), OTHER_BOT_ANSWERS,
                         ids=[m[3][:50] for m in OTHER_BOT_ANSWERS])
def test_bot_undocumented_answers_are_clear_typed_errors(zalo: ZaloFake, bot: BotClient, answer: Answer,
                                                         cls: type[ZaloError], retryable: bool, message: str) -> None:
    zalo.script("bot", answer)
    with pytest.raises(ZaloError) as caught:
        bot.send("chat1", "xin chào")
    assert type(caught.value) is cls and caught.value.retryable is retryable
    assert str(caught.value) == message
    assert len(zalo.requests) == 1  # a redirect is not followed
    assert_clean_error(caught.value, zalo)


@pytest.mark.parametrize("body", [None, b"  \r\n"])
def test_bot_empty_http_200_counts_as_delivered(zalo: ZaloFake, bot: BotClient, body: bytes | None) -> None:
    zalo.script("bot", Answer(200, body))
    assert bot.send("chat1", "xin chào") == [None]


def test_bot_description_that_echoes_the_token_is_redacted(zalo: ZaloFake, bot: BotClient) -> None:
    zalo.script("bot", ZaloFake.bot_error(401, description=f"token {BOT_TOKEN} is invalid"))
    with pytest.raises(ZaloAuthError) as caught:
        bot.send("chat1", "x")
    assert 'Zalo said: "token *** is invalid"' in str(caught.value)
    assert_clean_error(caught.value, zalo)


def test_bot_timeout_is_a_retryable_network_error(zalo: ZaloFake) -> None:
    zalo.script("bot", Answer(action="hang"))
    with pytest.raises(ZaloNetworkError) as caught:
        BotClient(zalo.endpoints(timeout=0.2), BOT_TOKEN).send("chat1", "x")
    assert str(caught.value) == "Zalo Bot API: no answer within 0.2 s (timeout)" and caught.value.retryable
    assert_clean_error(caught.value, zalo)


def test_bot_connection_refused_is_a_retryable_network_error(zalo: ZaloFake) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    client = BotClient(ZaloEndpoints(closed, closed, closed, 2.0), BOT_TOKEN)
    with pytest.raises(ZaloNetworkError) as caught:
        client.send("chat1", "x")
    assert str(caught.value) == "Zalo Bot API: connection refused" and caught.value.retryable
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert_clean_error(caught.value, zalo)


def test_bot_client_refuses_a_malformed_token_without_echoing_it(zalo: ZaloFake) -> None:
    for token in ("123456789", "abc:def", "123456789:ab c", ""):
        with pytest.raises(ValueError) as caught:
            BotClient(zalo.endpoints(), token)
        assert token == "" or token not in str(caught.value)


def test_bot_refuses_parts_it_cannot_send(bot: BotClient) -> None:
    with pytest.raises(ValueError, match="at most 2000"):
        bot.send_part("chat1", "x" * 2001)
    with pytest.raises(ValueError, match="at least one character"):
        bot.send_part("chat1", "  ")
    assert bot.send("chat1", "   ") == []


# --- Official Account: sending and token refresh -------------------------------------------------------------


def test_oa_first_send_refreshes_with_the_url_token_then_sends(zalo: ZaloFake, oa: OAClient,
                                                               store: TokenStore) -> None:
    before = datetime.now(UTC)
    message_id = oa.send_part(USER, "Kế hoạch CCHC năm 2026")
    after = datetime.now(UTC)
    refresh, send = zalo.requests
    assert (refresh.api, refresh.method, refresh.path) == ("oauth", "POST", "/v4/oa/access_token")
    assert refresh.headers["content-type"] == "application/x-www-form-urlencoded"
    assert refresh.headers["secret_key"] == SECRET_KEY
    assert refresh.body == {"refresh_token": FIRST_REFRESH_TOKEN, "app_id": APP_ID, "grant_type": "refresh_token"}
    assert (send.api, send.method, send.path) == ("oa", "POST", "/v3.0/oa/message/cs")
    assert send.headers["content-type"].startswith("application/json")
    assert send.headers["access_token"] == zalo.issued_pairs[0][0]
    assert "authorization" not in send.headers and "access_token" not in send.path
    assert send.body == {"recipient": {"user_id": USER}, "message": {"text": "Kế hoạch CCHC năm 2026"}}
    assert message_id is not None and len(message_id) == 20
    # the new pair was saved before it was used: owner-only, atomically (no temporary file left)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert not [p for p in store.path.parent.iterdir() if p.name.endswith(".tmp")]
    saved = json.loads(store.path.read_text())[APP_ID]
    assert (saved["access_token"], saved["refresh_token"]) == zalo.issued_pairs[0]
    expires_at = datetime.fromisoformat(saved["expires_at"])
    assert before + timedelta(seconds=90000) <= expires_at <= after + timedelta(seconds=90000)


@pytest.mark.parametrize(("code", "message"), [(-216, "Access token is invalid"), (-216, "Access token has expired"),
                                               (-220, "access_token is expired or removed")])
def test_oa_rejected_access_token_is_refreshed_once_and_the_message_sent_again(
        zalo: ZaloFake, oa: OAClient, store: TokenStore, code: int, message: str) -> None:
    oa.send_part(USER, "first")  # refresh 1 (with the URL's token)
    zalo.script("oa", ZaloFake.oa_error(code, message))
    oa.send_part(USER, "second")
    rejected, refresh, resent = zalo.requests[2:]
    assert (rejected.api, refresh.api, resent.api) == ("oa", "oauth", "oa")
    assert refresh.body["refresh_token"] == zalo.issued_pairs[0][1]
    assert resent.headers["access_token"] == zalo.issued_pairs[1][0]
    assert [t for _, _, t in zalo.messages] == ["first", "second"]
    saved = json.loads(store.path.read_text())[APP_ID]
    assert (saved["access_token"], saved["refresh_token"]) == zalo.issued_pairs[1]
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert not [p for p in store.path.parent.iterdir() if p.name.endswith(".tmp")]
    # single-use refresh tokens: none was ever sent twice, the URL's one only the first time
    spent = Counter(r.body["refresh_token"] for r in zalo.requests_to("oauth"))
    assert set(spent.values()) == {1} and spent[FIRST_REFRESH_TOKEN] == 1


def test_oa_expired_access_token_known_from_the_file_is_refreshed_before_sending(
        zalo: ZaloFake, oa: OAClient, store: TokenStore) -> None:
    store.save(APP_ID, TokenPair(zalo.oa_access_token, zalo.oa_refresh_token,
                                 datetime.now(UTC) - timedelta(minutes=1)))
    oa.send_part(USER, "x")
    assert [r.api for r in zalo.requests] == ["oauth", "oa"]


def test_oa_token_rejected_again_after_the_refresh_is_an_auth_error(zalo: ZaloFake, oa: OAClient) -> None:
    oa.send_part(USER, "first")
    zalo.script("oa", ZaloFake.oa_error(-216), ZaloFake.oa_error(-220))
    with pytest.raises(ZaloAuthError) as caught:
        oa.send_part(USER, "second")
    assert str(caught.value).startswith("Zalo OA error -220: access_token is expired or removed")
    assert "even right after a token refresh" in str(caught.value)
    assert not caught.value.retryable
    assert [r.api for r in zalo.requests[2:]] == ["oa", "oauth", "oa"]  # one refresh, one retry, no more
    assert_clean_error(caught.value, zalo)


def test_oa_refresh_refused_is_an_auth_error_and_the_spent_url_token_is_not_tried(
        zalo: ZaloFake, oa: OAClient) -> None:
    oa.send_part(USER, "first")
    zalo.oa_refresh_token = "revoked-by-zalo"  # the stored refresh token no longer works
    zalo.expire_access_token(-220)
    with pytest.raises(ZaloAuthError) as caught:
        oa.send_part(USER, "second")
    exc = caught.value
    assert exc.api == "oauth" and exc.code == -14014 and not exc.retryable
    assert str(exc).startswith("Zalo OAuth error -14014: invalid refresh token")
    assert "authorize the app again and put the new refresh token in the zalooa:// URL" in str(exc)
    assert [r.body["refresh_token"] for r in zalo.requests_to("oauth")] == [FIRST_REFRESH_TOKEN,
                                                                            zalo.issued_pairs[0][1]]
    assert_clean_error(exc, zalo)


def test_the_token_file_wins_over_the_url_token_once_it_holds_a_pair(zalo: ZaloFake, store: TokenStore) -> None:
    OAClient(zalo.endpoints(), APP_ID, SECRET_KEY, store, refresh_token=FIRST_REFRESH_TOKEN).send_part(USER, "a")
    later = OAClient(zalo.endpoints(), APP_ID, SECRET_KEY, store, refresh_token=FIRST_REFRESH_TOKEN)  # a new process
    later.send_part(USER, "b")
    assert [r.api for r in zalo.requests] == ["oauth", "oa", "oa"]  # the stored access token, no refresh
    zalo.expire_access_token()
    later.send_part(USER, "c")
    assert [r.body["refresh_token"] for r in zalo.requests_to("oauth")] == [FIRST_REFRESH_TOKEN,
                                                                            zalo.issued_pairs[0][1]]


def test_a_new_refresh_token_put_in_the_url_is_used_when_the_stored_one_is_refused(
        zalo: ZaloFake, store: TokenStore) -> None:
    OAClient(zalo.endpoints(), APP_ID, SECRET_KEY, store, refresh_token=FIRST_REFRESH_TOKEN).send_part(USER, "a")
    zalo.oa_refresh_token = "re-authorized-refresh-token"  # the operator authorized the app again
    zalo.expire_access_token()
    client = OAClient(zalo.endpoints(), APP_ID, SECRET_KEY, store, refresh_token="re-authorized-refresh-token")
    client.send_part(USER, "b")
    assert [r.body["refresh_token"] for r in zalo.requests_to("oauth")] == [
        FIRST_REFRESH_TOKEN, zalo.issued_pairs[0][1], "re-authorized-refresh-token"]
    assert [t for _, _, t in zalo.messages] == ["a", "b"]
    pair = store.load(APP_ID)
    assert pair is not None and (pair.access_token, pair.refresh_token) == zalo.issued_pairs[1]
    assert pair.seed_sha256 == hashlib.sha256(b"re-authorized-refresh-token").hexdigest()


def test_oa_without_any_refresh_token_says_how_to_get_one(zalo: ZaloFake, store: TokenStore) -> None:
    with pytest.raises(ZaloAuthError, match=r"no refresh token is known for app \d+; authorize the app"):
        OAClient(zalo.endpoints(), APP_ID, SECRET_KEY, store).send_part(USER, "x")
    assert zalo.requests == []


def test_oa_a_pair_refreshed_by_another_sender_meanwhile_is_used_as_is(zalo: ZaloFake, store: TokenStore) -> None:
    stale = TokenPair("stale-access", "stale-refresh", None)
    store.save(APP_ID, stale)
    preload(store, zalo)  # another process refreshed after this one read `stale`
    pair = OAClient(zalo.endpoints(), APP_ID, SECRET_KEY, store).refresh(stale=stale)
    assert pair.access_token == zalo.oa_access_token and zalo.requests == []


OA_DOCUMENTED = {  # code → words of its documented meaning (docs/OA/phu-luc/ma-loi, zalo-apis.md 3.2)
    -32: "per-minute api call limit", -100: "attachment_id was expired", -200: "send message failed",
    -201: "parameter is invalid", -204: "disabled", -205: "does not exist", -209: "not supported",
    -210: "exceeds the allowable limit", -211: "out of quota", -212: "has not registered this api",
    -213: "has not followed the oa", -216: "access token is invalid", -217: "blocked invitations",
    -218: "out of quota to receive", -219: "removed or disabled", -220: "access_token is expired or removed",
    -221: "not verified", -223: "has not authorized this api", -224: "tier package",
    -227: "inactive for more than 45 days", -230: "user has not interacted with the oa in the past 7 days",
    -232: "the last interaction has expired", -233: "message type is invalid", -234: "at night (10 pm to 6 am)",
    -235: "type of oa", -240: "messagev2 api has been shut down, please switch to messagev3",
    -242: "invalid appsecret_proof", -244: "restricted this message type", -248: "violates platform standards",
    -320: "needs a zalo cloud account", -321: "out of money", 404: "empty or invalid api path",
}
OA_RETRYABLE = {-32, -200, -211, -218, -234}  # rate limits and quotas, a generic failure, the night-time block


def test_the_oa_table_covers_every_documented_code() -> None:
    assert set(OA_ERRORS) == set(OA_DOCUMENTED)


@pytest.mark.parametrize("code", sorted(set(OA_DOCUMENTED) - {-216, -220}))
def test_oa_documented_errors_arrive_as_http_200_and_become_typed_errors(
        zalo: ZaloFake, oa: OAClient, store: TokenStore, code: int) -> None:
    preload(store, zalo)
    zalo.script("oa", ZaloFake.oa_error(code))
    with pytest.raises(ZaloError) as caught:
        oa.send_part(USER, "x")
    exc = caught.value
    assert str(exc).startswith(f"Zalo OA error {code}: ")
    assert OA_DOCUMENTED[code] in str(exc).lower()
    assert exc.api == "oa" and exc.code == code and exc.http_status == 200
    assert exc.retryable is (code in OA_RETRYABLE)
    assert type(exc) is (ZaloRateLimited if code == -32 else ZaloError)
    assert [r.api for r in zalo.requests] == ["oa"]  # no refresh for errors other than -216/-220
    assert_clean_error(exc, zalo)


def test_oa_user_who_has_not_interacted_reads_as_documented(zalo: ZaloFake, oa: OAClient, store: TokenStore) -> None:
    preload(store, zalo)
    zalo.oa_users = {"someone-else"}
    with pytest.raises(ZaloError) as caught:
        oa.send_part(USER, "x")
    assert str(caught.value) == "Zalo OA error -230: user has not interacted with the OA in the past 7 days"
    assert not caught.value.retryable


OTHER_OA_ANSWERS = [  # answer, class, retryable, message
    (Answer(200, {"error": "404", "message": "You are accessing an empty or invalid API."}), ZaloError, False,
     'Zalo OA error 404: empty or invalid API path; Zalo said: "You are accessing an empty or invalid API."'),
    (Answer(200, {"error": -999, "message": "new"}), ZaloError, False,
     'Zalo OA error -999: not in Zalo\'s documented error table; Zalo said: "new"'),
    (Answer(500, "<html>oops</html>"), ZaloError, True, "Zalo OA answered HTTP 500 (server error)"),
    (Answer(429), ZaloRateLimited, True, "Zalo OA answered HTTP 429 (too many requests)"),
    (Answer(200), ZaloError, True, "Zalo OA answered HTTP 200 with an empty body"),
    (Answer(200, "<html>captive</html>"), ZaloError, True,
     "Zalo OA answered HTTP 200 with a body that is not a JSON object"),
    (Answer(200, {"data": {}}), ZaloError, True, "Zalo OA answered HTTP 200 without an error field"),
    (Answer(action="close"), ZaloNetworkError, True, "Zalo OA: the connection was closed before an answer arrived"),
]


@pytest.mark.parametrize(("answer", "cls", "retryable", "message"), OTHER_OA_ANSWERS,
                         ids=[m[3][:50] for m in OTHER_OA_ANSWERS])
def test_oa_other_answers_are_clear_typed_errors(zalo: ZaloFake, oa: OAClient, store: TokenStore, answer: Answer,
                                                 cls: type[ZaloError], retryable: bool, message: str) -> None:
    preload(store, zalo)
    zalo.script("oa", answer)
    with pytest.raises(ZaloError) as caught:
        oa.send_part(USER, "x")
    assert type(caught.value) is cls and caught.value.retryable is retryable
    assert str(caught.value) == message
    assert_clean_error(caught.value, zalo)


OAUTH_ANSWERS = [  # answer to the refresh, class, retryable, start of the message
    (Answer(200, {"error": -14014, "message": "Invalid refresh token"}), ZaloAuthError, False,
     "Zalo OAuth error -14014: invalid refresh token"),
    (Answer(200, {"error": -118, "message": "invalid_grant"}), ZaloAuthError, False, "Zalo OAuth error -118: invalid grant"),
    (Answer(200, {"error": -14003, "message": "redirect_uri mismatch"}), ZaloAuthError, False,
     "Zalo OAuth error -14003: redirect_uri mismatch"),
    (Answer(200, {"error": -14012, "message": "?"}), ZaloAuthError, False, "Zalo OAuth error -14012: token request rejected"),
    (Answer(200, {"error": -14024, "message": "?"}), ZaloAuthError, False, "Zalo OAuth error -14024: token request rejected"),
    (Answer(200, {"error": -32, "message": "limit"}), ZaloRateLimited, True, "Zalo OAuth error -32: "),
    (Answer(200, {"error": "404", "message": "You currently access to an empty api"}), ZaloError, False,
     "Zalo OAuth error 404: empty or invalid API path"),
    (Answer(503), ZaloError, True, "Zalo OAuth answered HTTP 503 (server error)"),
    (Answer(200, "<html/>"), ZaloError, True, "Zalo OAuth answered HTTP 200 with a body that is not a JSON object"),
    (Answer(200, {"expires_in": "90000"}), ZaloAuthError, False,
     "Zalo OAuth answered without a new access and refresh token"),
    (Answer(action="close"), ZaloNetworkError, True, "Zalo OAuth: the connection was closed"),
]


@pytest.mark.parametrize(("answer", "cls", "retryable", "message"), OAUTH_ANSWERS,
                         ids=[m[3][:45] for m in OAUTH_ANSWERS])
def test_oauth_refresh_failures_are_typed_and_nothing_is_saved(zalo: ZaloFake, oa: OAClient, store: TokenStore,
                                                               answer: Answer, cls: type[ZaloError], retryable: bool,
                                                               message: str) -> None:
    zalo.script("oauth", answer)
    with pytest.raises(ZaloError) as caught:
        oa.send_part(USER, "x")
    assert type(caught.value) is cls and caught.value.retryable is retryable
    assert str(caught.value).startswith(message)
    assert not store.path.exists()
    assert [r.api for r in zalo.requests] == ["oauth"]
    assert_clean_error(caught.value, zalo)


@pytest.mark.parametrize("expires_in", ["90000", 90000, 90000.0])
def test_oauth_expires_in_may_be_a_string_or_a_number(zalo: ZaloFake, oa: OAClient, store: TokenStore,
                                                      expires_in: object) -> None:
    zalo.script("oauth", Answer(200, {"access_token": zalo.oa_access_token, "refresh_token": "next-refresh",
                                      "expires_in": expires_in}))
    oa.send_part(USER, "x")
    pair = store.load(APP_ID)
    assert pair is not None and pair.refresh_token == "next-refresh" and pair.expires_at is not None
    assert timedelta(hours=24) < pair.expires_at - datetime.now(UTC) <= timedelta(seconds=90000)


def test_oa_long_text_goes_out_as_parts(zalo: ZaloFake, oa: OAClient, store: TokenStore) -> None:
    preload(store, zalo)
    ids = oa.send(USER, "\n".join(["Dòng báo cáo về hồ sơ trễ hạn của các xã."] * 120))
    assert len(ids) == len(zalo.messages) == 3
    assert all(len(text) <= 2000 for _, _, text in zalo.messages)


# --- the token file ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o606])
def test_a_token_file_others_may_read_is_refused_naming_the_file(zalo: ZaloFake, oa: OAClient, store: TokenStore,
                                                                 mode: int) -> None:
    preload(store, zalo)
    store.path.chmod(mode)
    with pytest.raises(ZaloTokenFileError) as caught:
        oa.send_part(USER, "x")
    assert str(store.path) in str(caught.value) and f"{mode:04o}" in str(caught.value)
    assert "chmod 600" in str(caught.value) and not caught.value.retryable
    assert zalo.requests == []
    assert_clean_error(caught.value, zalo)


def test_a_malformed_token_file_is_refused_without_quoting_it(zalo: ZaloFake, store: TokenStore) -> None:
    store.path.parent.mkdir(parents=True)
    fd = os.open(store.path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, f'{{"{APP_ID}": {{"access_token": "{SECRET_KEY}"'.encode())
    os.close(fd)
    with pytest.raises(ZaloTokenFileError) as caught:
        store.load(APP_ID)
    assert str(store.path) in str(caught.value) and SECRET_KEY not in str(caught.value)
    assert_clean_error(caught.value, zalo)


def test_the_token_file_is_written_owner_only_whatever_the_umask(store: TokenStore) -> None:
    old = os.umask(0)
    try:
        store.save("app-a", TokenPair("a1", "r1", None))
        store.save("app-b", TokenPair("a2", "r2", datetime(2026, 12, 2, tzinfo=UTC)))
    finally:
        os.umask(old)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700  # the folder it created
    assert store.load("app-a") == TokenPair("a1", "r1", None)
    assert store.load("app-b") == TokenPair("a2", "r2", datetime(2026, 12, 2, tzinfo=UTC))
    assert store.load("app-c") is None
    assert sorted(p.name for p in store.path.parent.iterdir()) == ["zalo-tokens.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(store: TokenStore,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    store.save(APP_ID, TokenPair("old-access", "old-refresh", None))

    def full_disk(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(ZaloTokenFileError, match="No space left on device.*not saved"):
        store.save(APP_ID, TokenPair("new-access", "new-refresh", None))
    assert store.load(APP_ID) == TokenPair("old-access", "old-refresh", None)
    assert sorted(p.name for p in store.path.parent.iterdir()) == ["zalo-tokens.json"]


def test_reprs_hide_every_token(zalo: ZaloFake, store: TokenStore) -> None:
    pair = TokenPair("access-SECRET-1", "refresh-SECRET-2", None)
    client = OAClient(zalo.endpoints(), APP_ID, SECRET_KEY, store, refresh_token=FIRST_REFRESH_TOKEN)
    texts = repr(pair) + str(pair) + repr(client) + repr(BotClient(zalo.endpoints(), BOT_TOKEN)) + repr(store)
    for secret in (*STATIC_SECRETS, "access-SECRET-1", "refresh-SECRET-2"):
        assert secret not in texts


# --- split_text ----------------------------------------------------------------------------------------------

VIETNAMESE = ("Ủy ban nhân dân tỉnh Đồng Tháp ban hành Kế hoạch cải cách hành chính năm 2026, trong đó yêu cầu "
              "các sở, ngành và Ủy ban nhân dân cấp xã giải quyết dứt điểm hồ sơ trễ hạn, nâng cao chỉ số "
              "PAR INDEX và SIPAS, đẩy mạnh chuyển đổi số trong tiếp nhận và trả kết quả thủ tục hành chính.")


def test_split_text_leaves_short_text_alone_and_gives_nothing_for_blank_text() -> None:
    assert split_text("xin chào") == ["xin chào"]
    assert split_text("x" * 2000) == ["x" * 2000]
    assert split_text("") == [] and split_text(" \n\n\t ") == [] and split_text(" " * 5000) == []
    with pytest.raises(ValueError):
        split_text("x", limit=0)


def test_split_text_keeps_paragraphs_whole_and_packs_them() -> None:
    p1, p2, p3 = "a" * 1500, "b" * 400, "c" * 1900
    assert split_text(f"{p1}\n\n{p2}\n\n{p3}") == [f"{p1}\n\n{p2}", p3]
    # a line break alone is not preferred over the blank line that comes later
    p4 = "d" * 900 + "\n" + "e" * 900
    assert split_text(f"{p4}\n\n{p3}") == [p4, p3]


def test_split_text_falls_back_to_lines_then_words_then_a_hard_cut() -> None:
    lines = "\n".join(["dòng " + "x" * 994] * 3)  # one paragraph of three 999-character lines
    assert split_text(lines) == ["dòng " + "x" * 994 + "\n" + "dòng " + "x" * 994, "dòng " + "x" * 994]
    words = " ".join(["từ"] * 1500)  # one line of 4,499 characters
    parts = split_text(words)
    assert [len(p) for p in parts] == [2000, 2000, 497] and all(p.split(" ") == ["từ"] * len(p.split(" ")) for p in parts)
    long_word = "https://example.vn/" + "a" * 4500
    parts = split_text(f"Xem {long_word} ngay")
    assert parts[0] == "Xem" and parts[-1].endswith(" ngay") and all(len(p) <= 2000 for p in parts)
    assert "".join(parts[1:])[: len(long_word)] == long_word
    check_split(f"Xem {long_word} ngay", parts, 2000)


def test_split_text_never_separates_a_letter_from_its_combining_mark() -> None:
    word = unicodedata.normalize("NFD", "ệ" * 50)  # e + two combining marks, 150 code points
    parts = split_text(word, limit=20)
    assert all(not unicodedata.combining(p[0]) for p in parts)
    assert "".join(parts) == word and all(len(p) <= 20 for p in parts)


def test_split_text_on_long_vietnamese_text() -> None:
    paragraphs = [" ".join([VIETNAMESE] * (1 + n % 7)) for n in range(30)]
    text = "Cảnh báo\r\n" + "\n\n".join(paragraphs)
    parts = split_text(text)
    check_split(text, parts, 2000)
    assert len(parts) > 10 and all(len(p) <= 2000 for p in parts)
    assert unicodedata.normalize("NFC", "".join(parts)) == "".join(parts)


@pytest.mark.parametrize("seed", range(40))
def test_split_text_properties_on_random_texts(seed: int) -> None:
    rng = random.Random(seed)
    words = VIETNAMESE.split() + ["x" * rng.randint(1, 60), "🙂", "1.416", "(đạt 99,71%)"]
    limit = rng.choice([2000, 300, 41, 7])
    pieces = []
    for _ in range(rng.randint(1, 400)):
        pieces.append(rng.choice(words) if rng.random() > 0.01 else "y" * rng.randint(limit, 3 * limit))
        pieces.append(rng.choice([" ", " ", " ", "  ", "\n", "\n\n", " \n \n ", "\t", "\r\n"]))
    text = rng.choice(["", "  ", "\n"]) + "".join(pieces)
    parts = split_text(text, limit)
    check_split(text, parts, limit)
    assert [w for p in parts for w in p.split()] == text.split() or any(len(w) > limit for w in text.split())


# --- the Apprise plugins: URLs -------------------------------------------------------------------------------

# The same URLs parsed by apprise 2.1.0's own plugin (apprise/plugins/zalo.py, run as a black box) gave these
# tokens and chat ids (sorted, unique), or refused them (None).
BOT_URLS = [
    ("zalo://123456789:abc/chat1", ("123456789:abc", ["chat1"], [])),
    ("zalo://123456789%3Aabc/chat1", ("123456789:abc", ["chat1"], [])),
    ("zalo://123456789%3aabc/chat1", ("123456789:abc", ["chat1"], [])),
    ("zalo://123456789/abc/chat1", ("123456789:abc", ["chat1"], [])),
    ("ZALO://123456789:abc/Chat.One_-x", ("123456789:abc", ["Chat.One_-x"], [])),
    ("zalo://123456789/abc/chat1/chat2?to=chat3,chat4", ("123456789:abc", ["chat1", "chat2", "chat3", "chat4"], [])),
    ("zalo://123456789:abc/c2/c1?to=c0", ("123456789:abc", ["c0", "c1", "c2"], [])),
    ("zalo://123456789:abc/c1/c1", ("123456789:abc", ["c1"], [])),
    ("zalo://123456789:abc/c%2C1,c2 c3", ("123456789:abc", ["1", "c", "c2", "c3"], [])),
    ("zalo://chat1/chat2?token=123456789:abc", ("123456789:abc", ["chat1", "chat2"], [])),
    ("zalo://123456789:abc/c1?token=999:zzz", ("999:zzz", ["123456789", "abc", "c1"], [])),
    ("zalo://?token=123:abc&to=c1", ("123:abc", ["c1"], [])),
    ("zalo://123456789:abc/bad!id/chat1", ("123456789:abc", ["chat1"], ["bad!id"])),
    ("zalo://123456789:abc", ("123456789:abc", [], [])),
    ("zalo://123456789/abc", ("123456789:abc", [], [])),
    ("zalo://123456789:a-b_C/x.y-z_1", ("123456789:a-b_C", ["x.y-z_1"], [])),
    ("zalo://123456789", None),  # half a token
    ("zalo://abc:def/chat1", None),  # the bot id is not numeric
    ("zalo://123456789:ab%20c/chat1", None),
    ("zalo://", None),
]


@pytest.mark.parametrize(("url", "expected"), BOT_URLS, ids=[u for u, _ in BOT_URLS])
def test_bot_urls_parse_as_apprise_2_1_parses_them(plugins: Path, url: str,
                                                   expected: tuple[str, list[str], list[str]] | None) -> None:
    plugin = apprise.Apprise.instantiate(url)
    if expected is None:
        assert plugin is None and apprise.Apprise().add(url) is False
        return
    assert isinstance(plugin, NotifyZaloBot)
    assert (plugin.token, plugin.targets, plugin.invalid_targets) == expected
    assert apprise.Apprise().add(url) is True
    again = apprise.Apprise.instantiate(plugin.url())  # url() → parse_url round trip
    assert (again.token, again.targets) == expected[:2]


def test_bot_privacy_url_hides_the_token(plugins: Path) -> None:
    plugin = apprise.Apprise.instantiate(f"zalo://{BOT_TOKEN}/chat1/bad!{BOT_TOKEN.split(':')[1]}")
    private = plugin.url(privacy=True)
    assert private.startswith("zalo://1...z/chat1/****?")
    for secret in STATIC_SECRETS:
        assert secret not in private and secret not in repr(plugin)
    assert plugin.url().startswith(f"zalo://{BOT_TOKEN}/chat1/")


OA_URL = f"zalooa://{APP_ID}/{USER}/u2?secret={SECRET_KEY}&refresh={FIRST_REFRESH_TOKEN}&to=u3,u4"


def test_oa_urls_parse_and_the_privacy_url_hides_the_secrets(plugins: Path) -> None:
    plugin = apprise.Apprise.instantiate(OA_URL)
    assert isinstance(plugin, NotifyZaloOA)
    assert (plugin.oa_app_id, plugin.targets) == (APP_ID, [USER, "u2", "u3", "u4"])
    assert (plugin.secret, plugin.refresh) == (SECRET_KEY, FIRST_REFRESH_TOKEN)
    private = plugin.url(privacy=True)
    assert private.startswith(f"zalooa://{APP_ID}/{USER}/u2/u3/u4?secret=****&refresh=****&")
    assert SECRET_KEY not in private + repr(plugin) and FIRST_REFRESH_TOKEN not in private + repr(plugin)
    again = apprise.Apprise.instantiate(plugin.url())
    assert (again.oa_app_id, again.targets, again.secret, again.refresh) == (APP_ID, plugin.targets, SECRET_KEY,
                                                                           FIRST_REFRESH_TOKEN)
    assert apprise.Apprise.instantiate(f"zalooa://{APP_ID}/{USER}?secret=s").refresh is None
    for bad in (f"zalooa://{APP_ID}/{USER}", f"zalooa://{APP_ID}/{USER}?refresh=r", f"zalooa://bad!id/{USER}?secret=s"):
        assert apprise.Apprise().add(bad) is False


def test_register_is_idempotent_and_config_files_accept_both_schemas(plugins: Path, tmp_path: Path) -> None:
    zalo_plugins.register()
    zalo_plugins.register()
    manager = apprise.NotificationManager()
    assert manager["zalo"] is NotifyZaloBot and manager["zalooa"] is NotifyZaloOA
    config = apprise.AppriseConfig()
    assert config.add_config(f"zalo://{BOT_TOKEN}/chat1\nalerts=zalooa://{APP_ID}/{USER}?secret={SECRET_KEY}",
                             format="text")
    assert sorted(type(s).__name__ for s in config.servers()) == ["NotifyZaloBot", "NotifyZaloOA"]


# --- the Apprise plugins: sending ----------------------------------------------------------------------------


def test_bot_plugin_sends_title_and_body_to_each_chat(zalo: ZaloFake, plugins: Path) -> None:
    sender = apprise.Apprise()
    assert sender.add(f"zalo://{BOT_TOKEN}/chat1/chat2")
    assert sender.notify(title="Cảnh báo", body="1.416 hồ sơ trễ hạn") is True
    assert sorted(zalo.messages) == [("bot", "chat1", "Cảnh báo\r\n1.416 hồ sơ trễ hạn"),
                                     ("bot", "chat2", "Cảnh báo\r\n1.416 hồ sơ trễ hạn")]
    assert all("parse_mode" not in r.body for r in zalo.requests)


def test_bot_plugin_sends_escaped_html_as_plain_text(zalo: ZaloFake, plugins: Path) -> None:
    plugin = apprise.Apprise.instantiate(f"zalo://{BOT_TOKEN}/chat1")
    sender = apprise.Apprise()
    sender.add(plugin)
    assert sender.notify(body="Tin &lt;script&gt; &amp; 1.416<br>\ndòng 2", body_format=apprise.NotifyFormat.HTML)
    ((_, _, text),) = zalo.messages
    assert "<script>" in text and "&amp;" not in text and "<br>" not in text


def test_bot_plugin_markdown_format_sets_parse_mode(zalo: ZaloFake, plugins: Path) -> None:
    assert apprise.Apprise.instantiate(f"zalo://{BOT_TOKEN}/chat1?format=markdown").notify(body="**x**")
    assert zalo.requests[0].body == {"chat_id": "chat1", "text": "**x**", "parse_mode": "markdown"}


def test_bot_plugin_splits_long_bodies_instead_of_truncating(zalo: ZaloFake, plugins: Path) -> None:
    body = "\n\n".join([VIETNAMESE] * 20)
    assert apprise.Apprise.instantiate(f"zalo://{BOT_TOKEN}/chat1").notify(title="Tiêu đề", body=body)
    texts = [t for _, _, t in zalo.messages]
    assert len(texts) > 1 and all(len(t) <= 2000 for t in texts)
    assert " ".join(" ".join(texts).split()) == " ".join(f"Tiêu đề {body}".split())


def test_bot_plugin_failure_keeps_the_typed_error_and_returns_false(zalo: ZaloFake, plugins: Path) -> None:
    plugin = apprise.Apprise.instantiate(f"zalo://{BOT_TOKEN}/chat1/chat2")
    zalo.script("bot", Answer(200, {"ok": True, "result": {"message_id": "1", "date": 1}}),
                ZaloFake.bot_error(400))
    assert plugin.notify(body="x") is False
    assert isinstance(plugin.last_error, ZaloError) and plugin.last_error.code == 400
    assert str(plugin.last_error).startswith("Zalo Bot API error 400: bad request")
    assert plugin.notify(body="y") is True and plugin.last_error is None


def test_bot_plugin_stops_at_an_auth_error_for_every_chat(zalo: ZaloFake, plugins: Path) -> None:
    plugin = apprise.Apprise.instantiate("zalo://123456789:wrongKey/chat1/chat2")
    assert plugin.notify(body="x") is False
    assert isinstance(plugin.last_error, ZaloAuthError) and len(zalo.requests) == 1


def test_bot_plugin_retry_resends_only_what_failed(zalo: ZaloFake, plugins: Path) -> None:
    sender = apprise.Apprise()
    sender.add(f"zalo://{BOT_TOKEN}/chat1/chat2?retry=1&wait=0")
    zalo.script("bot", Answer(200, {"ok": True, "result": {"message_id": "1", "date": 1}}), Answer(503))
    assert sender.notify(body="x") is True
    assert [r.body["chat_id"] for r in zalo.requests] == ["chat1", "chat2", "chat2"]


def test_bot_plugin_retry_resumes_a_split_message_at_the_failed_part(zalo: ZaloFake, plugins: Path) -> None:
    body = "\n\n".join(["a" * 1500, "b" * 1500, "c" * 1500])
    plugin = apprise.Apprise.instantiate(f"zalo://{BOT_TOKEN}/chat1")
    zalo.script("bot", Answer(200, {"ok": True, "result": {"message_id": "1", "date": 1}}), ZaloFake.bot_error(429))
    assert plugin.notify(body=body) is False and isinstance(plugin.last_error, ZaloRateLimited)
    assert plugin.last_error.retryable
    assert plugin.notify(body=body) is True  # the same message again: parts already delivered are skipped
    assert [t[0] for t in (r.body["text"] for r in zalo.requests)] == ["a", "b", "b", "c"]
    assert plugin.notify(body=body) is True  # delivered in full: a later notification is sent again whole
    assert len(zalo.requests) == 7


def test_bot_plugin_retry_with_apprise_splitting_resends_only_the_failed_chunk(zalo: ZaloFake, plugins: Path) -> None:
    sender = apprise.Apprise()
    sender.add(f"zalo://{BOT_TOKEN}/chat1?overflow=split&retry=1&wait=0")
    zalo.script("bot", Answer(200, {"ok": True, "result": {"message_id": "1", "date": 1}}), Answer(503))
    assert sender.notify(body="a" * 1900 + " " + "b" * 1000) is True
    assert [r.body["text"][0] for r in zalo.requests] == ["a", "b", "b"]


def test_bot_plugin_send_called_directly_sends_every_time(zalo: ZaloFake, plugins: Path) -> None:
    plugin = apprise.Apprise.instantiate(f"zalo://{BOT_TOKEN}/chat1")
    assert plugin.send(body="x", title="t") and plugin.send(body="x", title="t")
    assert [t for _, _, t in zalo.messages] == ["t\r\nx", "t\r\nx"]


def test_plugins_refuse_to_send_unconfigured_or_without_recipients(zalo: ZaloFake, plugins: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    no_chat = apprise.Apprise.instantiate(f"zalo://{BOT_TOKEN}/bad!chat")
    assert no_chat.notify(body="x") is False
    assert str(no_chat.last_error) == "Zalo Bot: no valid chat id in the URL"
    monkeypatch.setattr(zalo_plugins, "_configuration", None)
    plugin = apprise.Apprise.instantiate(f"zalo://{BOT_TOKEN}/chat1")
    assert plugin.notify(body="x") is False
    assert "not configured" in str(plugin.last_error) and zalo.requests == []


def test_oa_plugin_refreshes_persists_and_sends(zalo: ZaloFake, plugins: Path) -> None:
    assert apprise.Apprise.instantiate(OA_URL).notify(title="Cảnh báo", body="Kế hoạch số 15/KH-UBND")
    assert [r.api for r in zalo.requests] == ["oauth", "oa", "oa", "oa", "oa"]
    assert sorted(u for _, u, _ in zalo.messages) == sorted([USER, "u2", "u3", "u4"])
    assert {t for _, _, t in zalo.messages} == {"Cảnh báo\r\nKế hoạch số 15/KH-UBND"}
    assert stat.S_IMODE(plugins.stat().st_mode) == 0o600
    # the next process reads the file; the URL's (spent) refresh token is never sent again
    zalo.expire_access_token(-216)
    assert apprise.Apprise.instantiate(OA_URL).notify(body="lần 2")
    assert [r.body["refresh_token"] for r in zalo.requests_to("oauth")] == [FIRST_REFRESH_TOKEN,
                                                                            zalo.issued_pairs[0][1]]


@pytest.mark.parametrize(("answer", "cls", "retryable"), [(ZaloFake.oa_error(-32), ZaloRateLimited, True),
                                                          (ZaloFake.oa_error(-230), ZaloError, False)])
def test_oa_plugin_failure_keeps_the_typed_error(zalo: ZaloFake, plugins: Path, answer: Answer,
                                                 cls: type[ZaloError], retryable: bool) -> None:
    preload(TokenStore(plugins), zalo)
    plugin = apprise.Apprise.instantiate(f"zalooa://{APP_ID}/{USER}?secret={SECRET_KEY}")
    zalo.script("oa", answer)
    assert plugin.notify(body="x") is False
    assert type(plugin.last_error) is cls and plugin.last_error.retryable is retryable


def test_oa_plugin_refused_refresh_is_an_auth_error(zalo: ZaloFake, plugins: Path) -> None:
    plugin = apprise.Apprise.instantiate(f"zalooa://{APP_ID}/{USER}/u2?secret={SECRET_KEY}&refresh=spent-token")
    assert plugin.notify(body="x") is False
    assert isinstance(plugin.last_error, ZaloAuthError) and plugin.last_error.code == -14014
    assert len(zalo.requests) == 1  # not tried again for the second user


# --- secrets -------------------------------------------------------------------------------------------------


def test_no_token_reaches_a_log_line_or_an_error(zalo: ZaloFake, plugins: Path,
                                                 logs: pytest.LogCaptureFixture) -> None:
    errors: list[BaseException] = []
    bot_url = f"zalo://{BOT_TOKEN}/chat1"
    for answer in (ZaloFake.bot_error(401, description=BOT_TOKEN), Answer(500), Answer(action="close")):
        zalo.script("bot", answer)
        plugin = apprise.Apprise.instantiate(bot_url)
        assert plugin.notify(title="t", body="b") is False
        errors.append(plugin.last_error)
    assert apprise.Apprise.instantiate(bot_url).notify(body="ok")
    assert apprise.Apprise.instantiate(OA_URL).notify(body="ok")  # refresh, then sends
    zalo.script("oa", ZaloFake.oa_error(-216, f"Access token {zalo.oa_access_token} has expired"))
    zalo.script("oauth", ZaloFake.oa_error(-14014))
    oa_plugin = apprise.Apprise.instantiate(OA_URL)
    assert oa_plugin.notify(body="x") is False
    errors.append(oa_plugin.last_error)
    apprise.Apprise().add(f"zalo://{BOT_TOKEN.split(':')[0]}")  # refused: half a token
    apprise.Apprise().add(f"zalooa://{APP_ID}/{USER}?refresh={FIRST_REFRESH_TOKEN}")  # refused: no secret
    for error in errors:
        assert isinstance(error, ZaloError)
        assert_clean_error(error, zalo)
    text = logs.text + " ".join(r.getMessage() for r in logs.records)
    assert "Failed to send Zalo Bot message to chat id chat1: Zalo Bot API error 401" in text
    assert_secret_free(text, zalo)
