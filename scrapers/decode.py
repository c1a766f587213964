"""Bytes to NFC text: BOM, HTTP header, <meta charset>, UTF-8, then detection; legacy encodings refused.

Order and rules follow the reliability checklist (A1–A4): every candidate is decoded strictly,
a result holding U+FFFD is a failed decode, and text that decodes "cleanly" but reads like
TCVN3/VNI font-encoded Vietnamese is refused instead of being stored as mojibake.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from charset_normalizer import from_bytes

from cchc_monitor.errors import ParseError

META_CHARSET_RE = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w-]+)", re.I)
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Letters only Vietnamese uses (ơ ư đ ă and the precomposed tone-marked vowels U+1EA0–U+1EF9).
VIETNAMESE_RE = re.compile(r"[ơưđăƠƯĐĂ\u1ea0-\u1ef9]")
# What TCVN3 and VNI font encodings look like when read as Windows-1252: TCVN3 puts symbols
# inside words ("nh©n d©n tØnh"); VNI writes each tone and hat as a second letter after the vowel
# ("nhaân daân tænh Ñoàng Thaùp": â = a+â, acute = ù, grave = ø, hook = û, tilde = õ, dot = ï).
LEGACY_MARKS_RE = re.compile(
    r"(?<=[A-Za-z])[©Ø¨\xad®µ¸¶·¹ÇÆÐ§¦¥¤£¢¡¾½¼»º±°¯«ª]|[©Ø¨®µ¸¶·¹](?=[A-Za-z])"
    # only pairs Unicode Vietnamese never has: "aâ eâ oâ" (VNI hats), "aê" (VNI ă), a vowel then ø û õ ï ö ù
    r"|(?<=[aeoAEO])[âÂ]|(?<=[aA])[êÊ]|(?<=[aeiouyAEIOUY])[ùøûõïöÙØÛÕÏÖ]"
)


def _strict(body: bytes, charset: str) -> str | None:
    try:
        text = body.decode(charset)
    except (LookupError, UnicodeDecodeError):
        return None
    return None if "\ufffd" in text else text


def _detected(body: bytes) -> tuple[str, str] | None:
    best = from_bytes(body).best()
    if best is None or best.encoding is None:
        return None
    text = _strict(body, best.encoding)
    return (text, f"detected:{best.encoding}") if text is not None else None


def looks_legacy_vietnamese(text: str) -> bool:
    """TCVN3 / VNI text read as a Western code page: symbols inside words, no Vietnamese letters."""
    marks = len(LEGACY_MARKS_RE.findall(text))
    letters = sum(c.isalpha() for c in text) or 1
    return marks >= 5 and marks / letters > 0.01 and len(VIETNAMESE_RE.findall(text)) < marks


def decode_body(body: bytes, header_charset: str | None, url: str) -> tuple[str, str]:
    """(NFC text, which rule decided the charset); ParseError with a decode.* reason otherwise."""
    candidates: list[tuple[str, str]] = []
    for bom, charset in BOMS:
        if body.startswith(bom):
            candidates.append((charset, "bom"))
    if header_charset:
        candidates.append((header_charset, "header"))
    meta = META_CHARSET_RE.search(body[:4096])
    if meta:
        candidates.append((meta.group(1).decode("ascii", "ignore"), "meta"))
    candidates.append(("utf-8", "utf-8"))
    found: tuple[str, str] | None = None
    for charset, rule in candidates:
        text = _strict(body, charset)
        if text is not None:
            found = (text, rule)
            break
    found = found or _detected(body)
    if found is None:
        raise ParseError(f"{url}: the character encoding could not be determined", url=url,
                         reason="decode.charset_unknown")
    text, rule = found
    text = unicodedata.normalize("NFC", text)
    if looks_legacy_vietnamese(text):
        raise ParseError(f"{url}: legacy Vietnamese font encoding (TCVN3/VNI), not stored", url=url,
                         reason="decode.legacy_vietnamese_encoding")
    return text, rule
