"""SSRF guard: a source on a public host may not be redirected into private, loopback or metadata addresses."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from urllib.parse import SplitResult, urlsplit

from cchc_monitor.errors import FetchError

Resolver = Callable[[str], list[str]]


def resolve(host: str) -> list[str]:
    """Every address a host name resolves to (an IP literal resolves to itself)."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    try:
        return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, None)})
    except OSError:
        return []


CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))  # RFC 6052, RFC 8215
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated ::a.b.c.d


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries and routes to: IPv4-mapped, IPv4-compatible,
    6to4 (2002::/16), NAT64 (64:ff9b::/96 and the local-use /48) and Teredo (server and client)."""
    found = [ip.ipv4_mapped] if ip.ipv4_mapped else []
    if ip.sixtofour:
        found.append(ip.sixtofour)
    if ip.teredo:
        found += list(ip.teredo)
    if any(ip in net for net in NAT64) or (ip in IPV4_COMPATIBLE and int(ip) > 1):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def _private(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or ip in CGNAT)


def is_private_address(address: str) -> bool:
    """Loopback, RFC 1918, link-local (cloud metadata), CGNAT, multicast, reserved, and every IPv6
    form that carries one of them (mapped, compatible, 6to4, NAT64, Teredo)."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        return _private(ip) or any(_private(v4) for v4 in embedded_ipv4(ip))
    return _private(ip)


BAD_URL_CHAR = re.compile(r"[\s\x00-\x1f]")  # whitespace (any, as str.isspace) or a control character


def checked_parts(url: str) -> SplitResult:
    """The URL's parts, or FetchError fetch.invalid_url when it has no usable host or port
    (`http://[::1/x`, port 99999): such a link fails alone, as a recorded item."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # raises ValueError for a port out of range or not a number
        host = parts.hostname
    except ValueError as exc:
        raise FetchError(f"{url}: invalid URL ({exc})", url=url, reason="fetch.invalid_url") from exc
    if not host or BAD_URL_CHAR.search(url):
        raise FetchError(f"{url}: invalid URL (no host, or spaces or control characters)", url=url,
                         reason="fetch.invalid_url")
    return parts


class Guard:
    """Decides, hop by hop, whether a URL may be fetched for a source."""

    def __init__(self, resolver: Resolver = resolve, is_private: Callable[[str], bool] = is_private_address) -> None:
        self.resolver = resolver
        self.is_private = is_private  # tests stand a loopback address in for the public internet

    def is_private_host(self, host: str) -> bool:
        """True when any address of the host is private (an unresolvable host counts as public)."""
        return any(self.is_private(a) for a in self.resolver(host))

    def check(self, url: str, *, source_is_private: bool) -> None:
        """Refuse non-HTTP schemes, and private targets for a source configured on a public host."""
        if url.split(":", 1)[0].strip().lower() not in ("http", "https"):
            raise FetchError(f"{url}: only http and https are fetched", url=url, reason="ssrf.blocked")
        parts = checked_parts(url)
        if not source_is_private and self.is_private_host(parts.hostname or ""):
            raise FetchError(f"{url}: redirect from a public source into a private address refused",
                             url=url, reason="ssrf.blocked")

    def addresses(self, host: str, *, source_is_private: bool) -> list[str]:
        """The addresses to connect to for a host, resolved once and checked: for a source on a
        public host none may be private (the connection is pinned to these, see scrapers/http.py)."""
        found = self.resolver(host)
        if not source_is_private and any(self.is_private(a) for a in found):
            raise FetchError(f"{host} resolves to a private address; refused for a public source",
                             url=host, reason="ssrf.blocked")
        return found
