"""Delivery through Apprise (the only module that sends with it): targets, their tags, one send each.

Targets come from the untagged `CCHC_NOTIFY_URLS` and from Apprise's own configuration file (YAML
or text, with tags). Their URLs are secrets: they stay in memory here; everything stored or shown
names a target by a fingerprint and a redacted label.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import apprise

from cchc_monitor.config import DeliveryConfig
from cchc_monitor.errors import ConfigError, DeliveryError
from cchc_monitor.files import check_yaml_aliases, read_text

# Apprise logs delivery problems instead of raising; keep its records out of shared handlers,
# since they can carry parts of target URLs.
logging.getLogger("apprise").propagate = False
EMAIL_SCHEMES = {"mailto", "mailtos"}


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
LOG_PREFIX_RE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ - [A-Z]+ - ")  # Apprise's log line heads


def plain(text: str, limit: int = 250) -> str:
    """A title without control characters or line breaks, cut to `limit` characters."""
    text = " ".join(CONTROL_RE.sub(" ", text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escaped_html(text: str) -> str:
    """Untrusted text as HTML: every character escaped, line breaks kept."""
    return "<br>\n".join(html.escape(CONTROL_RE.sub(" ", line)) for line in text.splitlines())


def fingerprint(url: str) -> str:
    """A stable id for a target that reveals nothing of its URL."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def label_of(url: str, tags: frozenset[str]) -> str:
    """A redacted name for a target: its scheme, its server when it has one (never a token), its tags."""
    parts = urlsplit(url)
    host = (parts.hostname or "") if "." in (parts.hostname or "") else "…"
    return f"{parts.scheme}://{host}" + (f" [{', '.join(sorted(tags))}]" if tags else "")


@dataclass(frozen=True)
class Target:
    """One place alerts go: its id and label (safe to store), its tags, and the plugin that sends (secret)."""

    id: str
    label: str
    tags: frozenset[str]
    scheme: str
    plugin: Any = field(repr=False, compare=False)
    url: str = field(repr=False, compare=False)

    @property
    def email(self) -> bool:
        """Whether this target reads HTML e-mail (else a short chat text)."""
        return self.scheme in EMAIL_SCHEMES


def _target(url: str, plugin: Any, tags: frozenset[str]) -> Target:
    return Target(fingerprint(url), label_of(url, tags), tags, urlsplit(url).scheme.lower(), plugin, url)


def _untagged(url: str, number: int) -> Target:
    """An untagged target from a URL (`number` names it in the error, never the URL itself)."""
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        scheme = urlsplit(url).scheme or "(none)"
        raise DeliveryError(f"notify URL #{number} (scheme {scheme}://) is not a valid Apprise URL")
    # Apprise's own rewriting of the URL, as for the configuration file's entries: one target, one id
    return _target(str(plugin.url()), plugin, frozenset())  # type: ignore[no-untyped-call]  # URLBase.url(): untyped


def _check_owner_only(path: Path) -> None:
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the Apprise configuration ({exc.strerror or exc})") from exc
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"{path}: the Apprise configuration holds secrets and must be readable by its owner "
                          f"only (chmod 600 {path})")


def load_targets(notify_urls: list[str], delivery: DeliveryConfig) -> list[Target]:
    """The targets: untagged URLs first, then the entries of the Apprise configuration file, if any."""
    if not notify_urls and delivery.apprise_config is None:
        return []  # nothing to load: Apprise's plugins are not loaded (0.4 s) for a cycle that sends nothing
    from alerts import zalo_plugins  # registers zalo:// and zalooa:// with Apprise, aimed at the configured APIs
    from alerts.zalo import ZaloEndpoints

    zalo_plugins.configure(ZaloEndpoints(delivery.zalo_bot_api, delivery.zalo_oa_api, delivery.zalo_oauth_api,
                                         delivery.timeout),
                           delivery.zalo_token_file)
    zalo_plugins.register()
    targets = [_untagged(url, number) for number, url in enumerate(notify_urls, start=1)]
    if delivery.apprise_config is not None:
        path = delivery.apprise_config
        _check_owner_only(path)
        # bounded, a regular UTF-8 file, few YAML aliases: checked here, since Apprise reads it without limits
        check_yaml_aliases(read_text(path, "Apprise configuration"), str(path))
        config = apprise.AppriseConfig()
        if not config.add(str(path)):
            raise ConfigError(f"{path}: not a readable Apprise configuration file")
        servers = config.servers()
        if not servers:
            raise ConfigError(f"{path}: no valid Apprise URL in the configuration (check each entry's URL)")
        for plugin in servers:
            url = str(plugin.url())  # type: ignore[no-untyped-call]  # apprise's URLBase.url() is unannotated
            targets.append(_target(url, plugin, frozenset(str(tag) for tag in plugin.tags)))  # AppriseTag → str
    unique: dict[str, Target] = {}
    for target in targets:  # the same URL twice (env and file) is one target
        unique.setdefault(target.id, target)
    return list(unique.values())


def send(target: Target, title: str, body: str, *, html_body: bool) -> None:
    """Deliver one message to one target, or raise DeliveryError with a redacted reason."""
    # a fresh plugin per message: Apprise throttles one instance to a message every 5.5 s
    plugin = apprise.Apprise.instantiate(target.url) or target.plugin
    with apprise.LogCapture(level=logging.WARNING) as captured:  # type: ignore[no-untyped-call]  # apprise: untyped
        body_format = apprise.NotifyFormat.HTML if html_body else apprise.NotifyFormat.TEXT
        ok = plugin.notify(title=plain(title), body=body, body_format=body_format)
    if ok is True:
        return
    typed = getattr(plugin, "last_error", None)
    if isinstance(typed, DeliveryError):  # the Zalo plugins keep a typed, already redacted error
        raise typed
    detail = LOG_PREFIX_RE.sub("", " ".join(captured.getvalue().split()))[-300:] or "Apprise reported failure"
    raise DeliveryError(f"delivery failed: {redact(detail, [target.url])}")


@dataclass(frozen=True)
class Notifier:
    """Sends a title and plain text (escaped into HTML) to each of some untagged Apprise URLs, through `send`."""

    urls: tuple[str, ...]
    targets: tuple[Target, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "targets", tuple(_untagged(url, n) for n, url in enumerate(self.urls, start=1)))

    @property
    def configured(self) -> bool:
        """Whether there is anywhere to send to."""
        return bool(self.urls)

    def send(self, title: str, body: str) -> None:
        """Deliver to every target, or raise the first target's DeliveryError (redacted) after trying them all."""
        if not self.urls:
            raise DeliveryError("no notification targets are configured (CCHC_NOTIFY_URLS is empty)")
        errors = []
        for target in self.targets:
            try:  # titles and phrases come from scraped pages: sent as escaped HTML, never as markup
                send(target, title, escaped_html(body), html_body=True)
            except DeliveryError as exc:
                errors.append(exc)
        if errors:
            raise errors[0]
