"""Stable identities: canonical URLs, article ids and content hashes (pure functions)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that never change what a page shows (tracking, sessions).
NOISE_PARAMS_RE = re.compile(r"^(?:utm_\w+|fbclid|gclid|zarsrc|jsessionid|sessionid|phpsessid)$", re.I)
DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """One spelling per page: lower-case scheme and host, no default port, fragment or tracking."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port in (None, DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    path = re.sub(r";jsessionid=[^/?#]*", "", parts.path, flags=re.I) or "/"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not NOISE_PARAMS_RE.match(k)])
    return urlunsplit((scheme, netloc, path, query, ""))


def article_id(canonical: str) -> str:
    """The article's primary key: 16 hex digits of the canonical URL's SHA-256."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def content_hash(text: str) -> str:
    """SHA-256 of the NFC, whitespace-folded body: equal for the same text however it was spaced."""
    folded = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()
