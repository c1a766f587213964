"""SSRF guard: a source on a public host may not be redirected into private, loopback or metadata addresses."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

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


def is_private_address(address: str) -> bool:
    """Loopback, RFC 1918, link-local (cloud metadata), CGNAT, multicast, reserved, and v6 forms of them."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or ip in ipaddress.ip_network("100.64.0.0/10"))


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
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise FetchError(f"{url}: only http and https are fetched", url=url, reason="ssrf.blocked")
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
