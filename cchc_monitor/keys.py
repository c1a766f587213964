"""Stable identities: canonical URLs, article ids, content hashes and plan keys (pure functions)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from courlan import normalize_url

# Query parameters that never change which article a page shows: tracking, sessions, and Liferay's
# portlet layout and return-path noise (the portlet id `p_p_id` and content ids are kept).
NOISE_PARAMS_RE = re.compile(
    r"^(?:utm_\w+|fbclid|gclid|zarsrc|jsessionid|sessionid|phpsessid|sid"
    r"|p_p_(?:lifecycle|state|mode|col_id|col_pos|col_count|auth)"
    r"|_?redirect|inheritRedirect|backURL|_\w+_(?:redirect|backURL))$",
    re.I,
)
DEFAULT_PORTS = {"http": 80, "https": 443}
SESSION_PATH_RE = re.compile(r"(?:;|%3B)jsessionid=[^/?#]*", re.I)
INDEX_PAGE_RE = re.compile(r"/index\.(?:php|html?|aspx?)$", re.I)


def canonical_url(url: str) -> str:
    """One spelling per page: courlan's normalisation (case, default port, parameter order), then
    no fragment, session ids, tracking or Liferay noise, index pages or trailing slashes."""
    try:
        normal = normalize_url(SESSION_PATH_RE.sub("", url.strip()))  # strict mode drops page ids
    except (ValueError, AttributeError):
        normal = url.strip()
    parts = urlsplit(normal)
    path = INDEX_PAGE_RE.sub("/", SESSION_PATH_RE.sub("", parts.path)) or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not NOISE_PARAMS_RE.match(k)))
    host = (parts.hostname or "").lower()
    host = f"[{host}]" if ":" in host else host  # an IPv6 literal keeps its brackets
    return urlunsplit((parts.scheme.lower(), host + _port(parts), path, query, ""))


def _port(parts: SplitResult) -> str:
    port = parts.port
    return "" if port in (None, DEFAULT_PORTS.get(parts.scheme.lower())) else f":{port}"


def article_id(canonical: str) -> str:
    """The article's primary key: 16 hex digits of the canonical URL's SHA-256."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def content_hash(text: str) -> str:
    """SHA-256 of the NFC, whitespace-folded body: equal for the same text however it was spaced."""
    folded = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def plan_key(number: str, issued: date | None, published: date | None, province: str | None,
             issued_by: str | None = None) -> str:
    """A plan's document identity: its number, year, province and, when the text names one, the
    local People's Committee that issued it ("xã An Bình"). Plan numbers restart every year and
    every People's Committee numbers its own, so "148/KH-UBND" alone names many plans; reposts of
    one plan agree on these. The year is the issue date's, else the article's (reposts come within
    days); the province is the post-2025 one. Must match v_plan_mentions.plan_key (storage/sql/007)."""
    year = issued.year if issued else published.year if published else ""
    key = f"{number.strip().upper().replace('Đ', 'D')}:{year}:{province or ''}"
    return f"{key}:{issued_by}" if issued_by else key
