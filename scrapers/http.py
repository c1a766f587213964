"""One HTTP exchange with httpx: a total deadline, a cap on decompressed bytes, typed failures.

This is the only module that imports httpx. Redirects, robots.txt, politeness and decoding are
decided by the caller (scrapers/fetch.py); here one request goes out and bytes come back.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from cchc_monitor.errors import FetchError

# httpcore's socket option shape (level, name, value), as its backends declare it
SocketOption = tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]

CHUNK_LIMIT = 64 * 1024  # most decompressed bytes produced per step, so a bomb never lands in memory
RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class RawResponse:
    """Status, headers (lower-case names) and the whole decoded-transfer body of one request."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes


AddressPicker = Callable[[str], list[str]]  # host → the checked addresses to connect to (or FetchError)


_DEADLINE = threading.local()  # the wall-clock end (time.monotonic) of the exchange this thread runs


def _remaining(timeout: float | None, error: type[Exception]) -> float | None:
    """The timeout for one socket operation: the per-operation one, cut to what is left of the
    exchange's deadline; `error` once nothing is left (headers trickled byte by byte end here)."""
    deadline: float | None = getattr(_DEADLINE, "at", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the request's deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write stops at the deadline of the exchange using it (a
    pooled connection serves later exchanges, so the deadline is read each time, not kept)."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self.inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.inner.read(max_bytes, _remaining(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.inner.write(buffer, _remaining(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self.inner.start_tls(ssl_context, server_hostname,
                                                    _remaining(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class _PinnedBackend(httpcore.SyncBackend):
    """Connects only to addresses the picker resolved and checked itself, so a DNS answer cannot
    change between the SSRF check and the connection (rebinding); TLS still uses the host name.
    Every connection keeps to the exchange's deadline, headers and TLS handshake included."""

    def __init__(self, pick: AddressPicker | None) -> None:
        self.pick = pick

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[SocketOption] | None = None) -> httpcore.NetworkStream:
        addresses = self.pick(host) if self.pick else []
        if not addresses:  # unresolvable or no picker: let the system resolver report it as usual
            addresses = [host]
        failure: Exception | None = None
        for address in addresses:
            try:
                stream = super().connect_tcp(address, port, _remaining(timeout, httpcore.ConnectTimeout),
                                             local_address, socket_options)
                return _DeadlineStream(stream)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure


def make_client(timeout: float, verify: ssl.SSLContext | bool = True,
                transport: httpx.BaseTransport | None = None, pick: AddressPicker | None = None) -> httpx.Client:
    """An httpx client that never follows redirects itself, ignores proxy variables and, given a
    picker, connects only to the addresses it approves."""
    if transport is None:
        transport = httpx.HTTPTransport(verify=verify)
        # httpx offers no argument for httpcore's network backend; httpcore is pinned in the lock file
        # and tests/test_fetch.py::test_d5_* fails if this attribute stops being used
        transport._pool._network_backend = _PinnedBackend(pick)
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        follow_redirects=False,
        trust_env=False,  # HTTP(S)_PROXY must not reroute the crawler
        verify=verify,
        transport=transport,
    )


def _decompressor(encoding: str, url: str) -> zlib._Decompress | None:
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj()
    raise FetchError(f"{url}: unsupported Content-Encoding {encoding!r}", url=url, reason="fetch.decode_error")


def _read_body(response: httpx.Response, url: str, max_bytes: int,
               deadline_at: float, now: Callable[[], float], truncate: bool) -> bytes:
    """The body, decompressed in bounded steps; too_large past the cap (or cut there when
    `truncate`), too_slow past the deadline."""
    inflate = _decompressor(response.headers.get("content-encoding", ""), url)
    out = bytearray()
    for chunk in response.iter_raw():
        if now() > deadline_at:
            raise FetchError(f"{url}: body still arriving at the deadline", url=url,
                             reason="fetch.too_slow", retryable=True)
        data = chunk
        while data:
            if inflate is None:
                piece, data = data, b""
            else:
                try:
                    piece = inflate.decompress(data, CHUNK_LIMIT)
                except zlib.error as exc:
                    raise FetchError(f"{url}: bad compressed body ({exc})", url=url,
                                     reason="fetch.decode_error") from exc
                data = inflate.unconsumed_tail
            out += piece
            if len(out) > max_bytes and truncate:
                return bytes(out[:max_bytes])
            if len(out) > max_bytes:
                raise FetchError(f"{url}: response larger than {max_bytes} bytes", url=url, reason="fetch.too_large")
            if inflate is not None and not piece:
                break
    return bytes(out)


def classify_tls(exc: BaseException) -> str:
    """A stable reason code for a certificate or handshake failure."""
    text = str(exc).lower()
    if "unable to get local issuer" in text or "unable to verify the first certificate" in text:
        return "tls.chain_incomplete"
    if "expired" in text:
        return "tls.expired"
    if "hostname" in text or "ip address mismatch" in text or "doesn't match" in text:
        return "tls.hostname"
    if "self-signed" in text or "self signed" in text:
        return "tls.untrusted"
    return "tls.protocol"


def _tls_cause(exc: BaseException) -> ssl.SSLError | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _dns_failure(exc: BaseException) -> socket.gaierror | None:
    """The resolver's error behind a connect failure, if that is what it was."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, socket.gaierror):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def request_once(client: httpx.Client, url: str, *, headers: dict[str, str], max_bytes: int,
                 deadline_at: float, now: Callable[[], float], truncate: bool = False) -> RawResponse:
    """Send one GET and read it whole, or raise FetchError with a stable dotted reason code. The
    deadline bounds the whole exchange in wall-clock time, headers included, however slowly bytes come."""
    _DEADLINE.at = time.monotonic() + max(0.0, deadline_at - now())
    try:
        return _exchange(client, url, headers, max_bytes, deadline_at, now, truncate)
    finally:
        _DEADLINE.at = None


def _exchange(client: httpx.Client, url: str, headers: dict[str, str], max_bytes: int, deadline_at: float,
              now: Callable[[], float], truncate: bool) -> RawResponse:
    try:
        with client.stream("GET", url, headers=headers) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes and response.status_code < 300 and not truncate:
                raise FetchError(f"{url}: Content-Length {declared} is over {max_bytes} bytes",
                                 url=url, reason="fetch.too_large")
            ok = response.status_code < 300
            body = _read_body(response, url, max_bytes, deadline_at, now, truncate) if ok else b""
            return RawResponse(str(response.url), response.status_code,
                               {k.lower(): v for k, v in response.headers.items()}, body)
    except FetchError:
        raise
    except httpx.TimeoutException as exc:
        if time.monotonic() >= _DEADLINE.at:  # bytes kept coming, too slowly for the whole exchange
            raise FetchError(f"{url}: not answered in full by the deadline", url=url,
                             reason="fetch.too_slow", retryable=True) from exc
        raise FetchError(f"{url}: timed out ({type(exc).__name__})", url=url,
                         reason="fetch.timeout", retryable=True) from exc
    except (UnicodeEncodeError, httpx.LocalProtocolError) as exc:  # a header value we could not send
        raise FetchError(f"{url}: request headers cannot be sent ({exc})", url=url,
                         reason="fetch.bad_request_header") from exc
    except httpx.ConnectError as exc:
        tls = _tls_cause(exc)
        if tls is not None or "certificate" in str(exc).lower():
            reason = classify_tls(tls or exc)
            raise FetchError(f"{url}: TLS failure ({reason}): {tls or exc}", url=url, reason=reason) from exc
        dns = _dns_failure(exc)
        if dns is not None:  # no such name: retrying within minutes cannot help; a resolver hiccup can
            raise FetchError(f"{url}: the host name does not resolve ({dns})", url=url, reason="fetch.dns_error",
                             retryable=dns.errno == socket.EAI_AGAIN) from exc
        raise FetchError(f"{url}: cannot connect ({exc})", url=url, reason="fetch.connect_error",
                         retryable=True) from exc
    except httpx.RemoteProtocolError as exc:
        if "location header" in str(exc).lower():  # httpx reads Location even when it does not follow it
            raise FetchError(f"{url}: redirect to an invalid URL ({exc})", url=url, reason="fetch.invalid_url") from exc
        raise FetchError(f"{url}: connection closed early ({exc})", url=url,
                         reason="fetch.incomplete", retryable=True) from exc
    except httpx.ReadError as exc:
        raise FetchError(f"{url}: connection reset ({exc})", url=url, reason="fetch.reset", retryable=True) from exc
    except httpx.DecodingError as exc:
        raise FetchError(f"{url}: undecodable body ({exc})", url=url, reason="fetch.decode_error") from exc
    except httpx.InvalidURL as exc:
        raise FetchError(f"{url}: invalid URL ({exc})", url=url, reason="fetch.invalid_url") from exc
    except httpx.TransportError as exc:
        raise FetchError(f"{url}: network error ({type(exc).__name__}: {exc})", url=url,
                         reason="fetch.network_error", retryable=True) from exc
