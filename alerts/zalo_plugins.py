"""Apprise 1.13 plugins for Zalo: `zalo://` (Bot Platform, parsed as apprise 2.1 does) and `zalooa://` (OA)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode

import apprise

from alerts.zalo import (
    BOT_TOKEN_RE,
    CHAT_ID_RE,
    Api,
    BotClient,
    OAClient,
    TokenStore,
    ZaloAuthError,
    ZaloEndpoints,
    ZaloError,
    ZaloRateLimited,
    split_text,
)

# zalo://<digits>:<key>/... or zalo://<digits>%3A<key>/...: the colon would be read as a port, so it becomes a slash
_TOKEN_COLON_RE = re.compile(r"^(?P<head>zalo://[0-9]+)(?::|%3A)", re.IGNORECASE)
_LIST_SPLIT_RE = re.compile(r"[\s,;|/\\]+")
APP_ID_RE = re.compile(r"^[A-Z0-9_-]+$", re.IGNORECASE)
USER_ID_RE = CHAT_ID_RE  # OA user ids are digit strings; the same lenient rule as chat ids


@dataclass(frozen=True)
class _Configuration:
    endpoints: ZaloEndpoints
    token_file: Path


_configuration: _Configuration | None = None


def configure(endpoints: ZaloEndpoints, token_file: Path) -> None:
    """Aim both plugins at these API base URLs and keep OA token pairs in `token_file` (called once by the
    delivery code with the settings; a later call replaces the earlier one)."""
    global _configuration
    _configuration = _Configuration(endpoints, Path(token_file))


def register() -> None:
    """Make `zalo://` and `zalooa://` known to Apprise (URLs and configuration files); calling it again is a no-op.

    A `zalo://` plugin that Apprise itself ships (from 2.1) is replaced, so messages go to the configured API."""
    # a singleton: the registry every Apprise() consults (apprise.apprise.N_MGR)
    manager: Any = apprise.NotificationManager()  # type: ignore[no-untyped-call]  # apprise leaves __init__ unannotated
    for plugin in (NotifyZaloBot, NotifyZaloOA):
        schema = plugin.secure_protocol
        if schema in manager and manager[schema] is plugin:
            continue
        manager.add(plugin, force=True)


def _split_list(value: object) -> list[str]:
    """A list from a URL (its path, or a query argument) split at commas, spaces, slashes ..., before and after
    unquoting (Apprise leaves a path quoted or not)."""
    parts = _LIST_SPLIT_RE.split(str(value)) if value else []
    items = [item for part in parts for item in _LIST_SPLIT_RE.split(unquote(part))]
    return list(dict.fromkeys(item for item in items if item))


def _outer(secret: str, privacy: bool) -> str:
    """A token for a URL: quoted, or with privacy only its first and last character (as Apprise shows tokens)."""
    return f"{secret[:1]}...{secret[-1:]}" if privacy else quote(secret, safe=":")


def _hidden(secret: str, privacy: bool) -> str:
    """A secret for a URL: quoted, or with privacy four asterisks (as Apprise shows passwords)."""
    return "****" if privacy else quote(secret, safe="")


# apprise annotates NotifyBase only in part (its URLBase base, most class attributes typed None, untyped helpers),
# so the plugins derive from it as Any: the boundary is here, and the plugins' own code is checked
_NotifyBase: Any = apprise.NotifyBase


class _ZaloPlugin(_NotifyBase):  # type: ignore[misc]  # subclassing Any, see above
    """What both Zalo plugins share: per-recipient, per-part delivery that a retry resumes, and the typed error.

    Apprise retries a failed notify() (`?retry=N`) on the same object; the recipients (and message parts) already
    delivered in that call are not sent again. `last_error` is the typed, token-free error of the last failed
    send, so the caller can report why and whether to try later; send() returns False as Apprise expects."""

    title_maxlen = 0  # no title field: Apprise puts the title in front of the body ("title\r\nbody")
    body_maxlen = 2000  # Zalo's limit; the default overflow mode leaves longer bodies to send(), which splits them
    notify_format = apprise.NotifyFormat.TEXT
    request_rate_per_sec = 0  # no published rate for either API; a limit answers 429 / -32, which is retried later
    recipient_kind = "recipient"
    _api: Api = "bot"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.last_error: ZaloError | None = None
        self.targets: list[str] = []
        self.invalid_targets: list[str] = []
        # message key → (recipient, part number) delivered; kept while a notification fails, so that Apprise's
        # retry (or the same message sent again) resumes, and cleared when one succeeds
        self._progress: dict[str, set[tuple[str, int]]] = {}
        self._notifying = False

    def _keep_targets(self, targets: object, rule: re.Pattern[str]) -> None:
        values = targets if isinstance(targets, list | tuple | set) else [targets] if targets else []
        # unique and sorted, as apprise's own parse_list (and so its Zalo plugin) gives them
        for number, value in enumerate(sorted(set(_split_list(" ".join(str(v) for v in values)))), start=1):
            if rule.match(value):
                self.targets.append(value)
            else:  # the value is not logged: it may be a misplaced token
                self.invalid_targets.append(value)
                self.logger.warning(f"Dropped invalid {self.service_name} {self.recipient_kind} #{number} "
                                    "(allowed: letters, digits, '.', '_' and '-').")

    def __len__(self) -> int:
        return max(1, len(self.targets))

    def notify(self, *args: Any, **kwargs: Any) -> bool:
        self.last_error = None  # each attempt reports its own failure
        self._notifying = True
        try:
            ok = bool(super().notify(*args, **kwargs))  # one send() per chunk (one, unless ?overflow=split)
        finally:
            self._notifying = False
        if ok:
            self._progress.clear()
        return ok

    def send(self, body: str, title: str = "", notify_type: apprise.NotifyType = apprise.NotifyType.INFO,
             **kwargs: Any) -> bool:
        text = f"{title}\r\n{body}" if title else body  # only when called directly: Apprise already merged it
        parts = split_text(text)
        if not parts:
            return self._failed(ZaloError(f"{self.service_name}: the message is empty", api=self._api))
        if not self.targets:
            return self._failed(ZaloError(f"{self.service_name}: no valid {self.recipient_kind} in the URL",
                                          api=self._api))
        if _configuration is None:
            return self._failed(ZaloError(f"{self.service_name}: not configured (alerts.zalo_plugins.configure "
                                          "was not called)", api=self._api))
        key = hashlib.sha256(text.encode("utf-8")).hexdigest()
        delivered = self._progress.setdefault(key, set())
        failure: ZaloError | None = None
        for target in self.targets:
            try:
                for number, part in enumerate(parts):
                    if (target, number) in delivered:
                        continue  # delivered by an earlier attempt of this notification
                    self._send_part(_configuration, target, part)
                    delivered.add((target, number))
            except ZaloError as exc:
                failure = exc
                self.logger.warning(f"Failed to send {self.service_name} message to {self.recipient_kind} "
                                    f"{target}: {exc}")
                if isinstance(exc, ZaloAuthError | ZaloRateLimited):
                    break  # the same credentials or limit would fail every other recipient too
            else:
                self.logger.info(f"Sent {self.service_name} message to {self.recipient_kind} {target} "
                                 f"({len(parts)} part{'s' if len(parts) > 1 else ''}).")
        if failure is not None:
            return self._failed(failure)
        if not self._notifying:  # called directly: done with this message
            self._progress.pop(key, None)
        return True

    def _failed(self, error: ZaloError) -> bool:
        self.last_error = error
        return False

    def _send_part(self, configuration: _Configuration, target: str, text: str) -> None:
        raise NotImplementedError

    def _targets_in_url(self, privacy: bool) -> str:
        shown = [quote(t, safe="") for t in self.targets] + [_hidden(t, privacy) for t in self.invalid_targets]
        return "/".join(shown)


class NotifyZaloBot(_ZaloPlugin):
    """`zalo://{bot_token}/{chat_id}[/{chat_id}...]`: a Zalo Bot sends each chat the message (split at 2,000
    characters, in order).

    Also `zalo://{bot_id}/{key}/{chat_id}`, `zalo://{bot_id}%3A{key}/{chat_id}`, `zalo://{chat_id}?token={bot_token}`
    and `?to={chat_id},{chat_id}`. `?format=markdown` sends `parse_mode: markdown`; otherwise plain text."""

    service_name = "Zalo Bot"
    service_url = "https://zalo.me/"
    setup_url = "https://bot.zapps.me/docs/"
    secure_protocol = "zalo"
    recipient_kind = "chat id"
    _api: Api = "bot"

    templates = ("{schema}://{token}/{targets}",)
    template_tokens = dict(apprise.NotifyBase.template_tokens, **{
        "token": {"name": "Bot Token", "type": "string", "private": True, "required": True,
                  "regex": (r"^[0-9]+:[A-Z0-9_-]+$", "i")},
        "target_chat": {"name": "Chat ID", "type": "string", "map_to": "targets", "regex": (r"^[A-Z0-9._-]+$", "i")},
        "targets": {"name": "Targets", "type": "list:string", "required": True},
    })
    template_args = dict(apprise.NotifyBase.template_args, **{
        "token": {"alias_of": "token"},
        "to": {"alias_of": "targets"},
    })

    def __init__(self, token: str | None = None, targets: object = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        token = (token or "").strip()
        if not BOT_TOKEN_RE.match(token):
            message = "An invalid Zalo Bot token was specified (expected <bot id>:<key>)."  # never the value
            self.logger.warning(message)
            raise TypeError(message)
        self.token = token
        self._keep_targets(targets, CHAT_ID_RE)

    def __repr__(self) -> str:
        return f"<NotifyZaloBot {self.url(privacy=True)}>"

    @property
    def url_identifier(self) -> object:
        return (self.secure_protocol, self.token)

    def url(self, privacy: bool = False, *args: Any, **kwargs: Any) -> str:
        params = self.url_parameters(*args, privacy=privacy, **kwargs)
        token = _outer(self.token, privacy)
        return f"{self.secure_protocol}://{token}/{self._targets_in_url(privacy)}?{urlencode(params)}"

    def _send_part(self, configuration: _Configuration, target: str, text: str) -> None:
        markdown = self.notify_format == apprise.NotifyFormat.MARKDOWN
        BotClient(configuration.endpoints, self.token).send_part(target, text,
                                                                parse_mode="markdown" if markdown else None)

    @staticmethod
    def parse_url(url: str, verify_host: bool = False, plus_to_space: bool = False) -> dict[str, Any] | None:
        url = _TOKEN_COLON_RE.sub(r"\g<head>/", url, count=1)
        results: dict[str, Any] | None = apprise.NotifyBase.parse_url(url, verify_host=False,
                                                                      plus_to_space=plus_to_space)
        if not results:
            return results
        host = unquote(results["host"] or "")
        path = [unquote(part) for part in _LIST_SPLIT_RE.split(results["fullpath"] or "") if part]
        query = results["qsd"]
        if query.get("token"):  # the whole token in the query: the host and every path part are chat ids
            results["token"] = query["token"]
            targets = _split_list(" ".join([host, *path]))
        elif path:  # zalo://<bot id>/<key>/<chat ids>
            results["token"] = f"{host}:{path[0]}"
            targets = _split_list(" ".join(path[1:]))
        else:  # half a token: refused by __init__
            results["token"] = host
            targets = []
        if query.get("to"):
            targets += _split_list(query["to"])
        results["targets"] = targets
        return results


class NotifyZaloOA(_ZaloPlugin):
    """`zalooa://{app_id}/{user_id}[/{user_id}...]?secret={secret_key}&refresh={refresh_token}`: an Official
    Account sends each user a consultation message (split at 2,000 characters, in order).

    The refresh token in the URL starts the chain of rotating token pairs kept in the token file; once the file
    holds a pair for the app, the file wins. `?to={user_id},{user_id}` adds users."""

    service_name = "Zalo OA"
    service_url = "https://oa.zalo.me/"
    setup_url = "https://developers.zalo.me/docs/official-account/"
    secure_protocol = "zalooa"
    recipient_kind = "user id"
    _api: Api = "oa"

    templates = ("{schema}://{app_id}/{targets}",)
    template_tokens = dict(apprise.NotifyBase.template_tokens, **{
        "app_id": {"name": "App ID", "type": "string", "required": True, "regex": (r"^[A-Z0-9_-]+$", "i")},
        "target_user": {"name": "User ID", "type": "string", "map_to": "targets"},
        "targets": {"name": "Targets", "type": "list:string", "required": True},
    })
    template_args = dict(apprise.NotifyBase.template_args, **{
        "secret": {"name": "Secret Key", "type": "string", "private": True, "required": True},
        "refresh": {"name": "Refresh Token", "type": "string", "private": True},
        "to": {"alias_of": "targets"},
    })

    def __init__(self, app_id: str | None = None, targets: object = None, secret: str | None = None,
                 refresh: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        app_id = (app_id or "").strip()
        if not APP_ID_RE.match(app_id):
            message = "An invalid Zalo OA app id was specified (zalooa://<app id>/<user id>)."
            self.logger.warning(message)
            raise TypeError(message)
        if not secret:
            message = "A Zalo OA URL needs the app's secret key (?secret=)."
            self.logger.warning(message)
            raise TypeError(message)
        self.oa_app_id = app_id  # (URLBase.app_id is Apprise's own application name)
        self.secret = secret
        self.refresh = refresh or None
        self._keep_targets(targets, USER_ID_RE)

    def __repr__(self) -> str:
        return f"<NotifyZaloOA {self.url(privacy=True)}>"

    @property
    def url_identifier(self) -> object:
        return (self.secure_protocol, self.oa_app_id)

    def url(self, privacy: bool = False, *args: Any, **kwargs: Any) -> str:
        secrets = f"secret={_hidden(self.secret, privacy)}"
        if self.refresh:
            secrets += f"&refresh={_hidden(self.refresh, privacy)}"
        query = f"{secrets}&{urlencode(self.url_parameters(*args, privacy=privacy, **kwargs))}"
        return f"{self.secure_protocol}://{quote(self.oa_app_id, safe='')}/{self._targets_in_url(privacy)}?{query}"

    def _send_part(self, configuration: _Configuration, target: str, text: str) -> None:
        client = OAClient(configuration.endpoints, self.oa_app_id, self.secret, TokenStore(configuration.token_file),
                          refresh_token=self.refresh)
        client.send_part(target, text)

    @staticmethod
    def parse_url(url: str, verify_host: bool = False, plus_to_space: bool = False) -> dict[str, Any] | None:
        results: dict[str, Any] | None = apprise.NotifyBase.parse_url(url, verify_host=False,
                                                                      plus_to_space=plus_to_space)
        if not results:
            return results
        query = results["qsd"]
        results["app_id"] = unquote(results["host"] or "")
        targets = _split_list(results["fullpath"])
        if query.get("to"):
            targets += _split_list(query["to"])
        results["targets"] = targets
        if query.get("secret"):
            results["secret"] = query["secret"]
        if query.get("refresh"):
            results["refresh"] = query["refresh"]
        return results
