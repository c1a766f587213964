"""HTTP fetching with httpx: timeouts, a project user agent, a size cap; errors become FetchError."""

from __future__ import annotations

import re
import ssl

import httpx

from cchc_monitor.errors import FetchError
from cchc_monitor.models import FetchedPage

MAX_BYTES = 5 * 1024 * 1024
META_CHARSET_RE = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([\w-]+)", re.I)
RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}


def make_client(timeout: float, user_agent: str, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """An httpx client with our timeouts, user agent and redirect limit."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        headers={"User-Agent": user_agent, "Accept-Language": "vi,en;q=0.5"},
        follow_redirects=True,
        max_redirects=5,
        transport=transport,
    )


def _decode(body: bytes, header_charset: str | None) -> str:
    """Bytes to text: the HTTP header's charset, then <meta charset>, then UTF-8, then Windows-1258."""
    candidates = [header_charset]
    meta = META_CHARSET_RE.search(body[:4096])
    if meta:
        candidates.append(meta.group(1).decode("ascii", "ignore"))
    candidates += ["utf-8", "cp1258"]
    for charset in candidates:
        if not charset:
            continue
        try:
            return body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", errors="replace")


def fetch(client: httpx.Client, url: str, max_bytes: int = MAX_BYTES) -> FetchedPage:
    """GET one URL and return its decoded text; raise FetchError with a stable reason code."""
    try:
        with client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise FetchError(
                    f"{url}: HTTP {response.status_code}", url=url,
                    reason=f"http_{response.status_code}",
                    retryable=response.status_code in RETRYABLE_STATUS,
                )
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"{url}: response larger than {max_bytes} bytes", url=url, reason="too_large")
                chunks.append(chunk)
            body = b"".join(chunks)
            text = _decode(body, response.charset_encoding)
            return FetchedPage(url, str(response.url), response.status_code, text,
                               response.headers.get("content-type"))
    except httpx.TimeoutException as exc:
        raise FetchError(f"{url}: timed out ({type(exc).__name__})", url=url, reason="timeout", retryable=True) from None
    except httpx.TooManyRedirects:
        raise FetchError(f"{url}: too many redirects", url=url, reason="redirect_loop") from None
    except httpx.ConnectError as exc:
        if isinstance(exc.__cause__, ssl.SSLError) or "CERTIFICATE" in str(exc).upper():
            raise FetchError(f"{url}: TLS certificate could not be verified ({exc})", url=url, reason="tls_error") from None
        raise FetchError(f"{url}: cannot connect ({exc})", url=url, reason="connect_error", retryable=True) from None
    except httpx.TransportError as exc:
        raise FetchError(f"{url}: network error ({type(exc).__name__}: {exc})", url=url,
                         reason="network_error", retryable=True) from None
    except httpx.InvalidURL as exc:
        raise FetchError(f"{url}: invalid URL ({exc})", url=url, reason="invalid_url") from None
