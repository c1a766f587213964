"""Bytes to NFC text: BOM, valid UTF-8, HTTP header, <meta charset>, then detection; legacy encodings refused.

Order and rules follow the reliability checklist (A1–A4): every candidate is decoded strictly,
a result holding U+FFFD is a failed decode, and text that decodes "cleanly" but reads like
TCVN3/VNI font-encoded Vietnamese is refused instead of being stored as mojibake. Bytes that are
valid UTF-8 (and not plain ASCII) are read as UTF-8 whatever a single-byte header claims: servers
often default to iso-8859-1, and by chance Western or Vietnamese 8-bit text is never valid UTF-8.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from charset_normalizer import from_bytes

from cchc_monitor.errors import ParseError

META_CHARSET_RE = re.compile(rb"<meta[^>]{0,512}?charset\s*=\s*[\"']?\s*([\w-]{1,40})", re.I)
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Python codecs that are no character set of a web page: "undefined" fails on every byte, the
# escape codecs read "\u..." sequences, idna/punycode are for host names, utf-7 smuggles markup.
NOT_A_CHARSET = {"undefined", "unicode-escape", "raw-unicode-escape", "idna", "punycode", "utf-7",
                 "unicode-internal", "mbcs", "oem", "charmap"}
UTF8 = ("utf-8", "utf-8-sig")
WIDE = ("utf-16", "utf-32")  # a header naming these wins over "valid UTF-8" (NUL bytes are valid UTF-8)
# Letters only Vietnamese uses (ơ ư đ ă and the precomposed tone-marked vowels U+1EA0–U+1EF9).
VIETNAMESE_RE = re.compile(r"[ơưđăƠƯĐĂ\u1ea0-\u1ef9]")
# What TCVN3 and VNI font encodings look like when read as Windows-1252: TCVN3 puts symbols
# inside words ("nh©n d©n tØnh"); VNI writes each tone and hat as a second letter after the vowel
# ("nhaân daân tænh Ñoàng Thaùp": â = a+â, acute = ù, grave = ø, hook = û, tilde = õ, dot = ï).
# Each branch matches the one odd character first and looks at its neighbour after, so the
# engine skips quickly to candidates (3x faster than lookbehinds first).
# The first lookahead names every character a branch can start with: the engine skips to those alone
# (3x faster again), and a sample holding fewer than MIN_MARKS of them is not counted at all.
MARK_CHARS = "©Ø¨\xad®µ¸¶·¹ÇÆÐ§¦¥¤£¢¡¾½¼»º±°¯«ªâÂêÊùøûõïöÙÛÕÏÖ"
MARK_CHAR_RE = re.compile(f"[{MARK_CHARS}]")
LEGACY_MARKS_RE = re.compile(
    f"(?=[{MARK_CHARS}])(?:"
    r"[©Ø¨\xad®µ¸¶·¹ÇÆÐ§¦¥¤£¢¡¾½¼»º±°¯«ª](?<=[A-Za-z].)|[©Ø¨®µ¸¶·¹](?=[A-Za-z])"
    # only pairs Unicode Vietnamese never has: "aâ eâ oâ" (VNI hats), "aê" (VNI ă), a vowel then ø û õ ï ö ù
    r"|[âÂ](?<=[aeoAEO].)|[êÊ](?<=[aA].)|[ùøûõïöÙØÛÕÏÖ](?<=[aeiouyAEIOUY].)"
    ")"
)
MIN_MARKS = 5  # fewer marks than this in a sample is no legacy text
SAMPLE_WINDOWS = 4  # the legacy check reads at most this many windows of the text...
SAMPLE_WINDOW = 1024  # ...of this many characters, spread evenly (a 70 KB page costs as much as 4 KB)


def usable_charset(name: str | None) -> str | None:
    """The codec name for a declared charset, or None when Python has no such text codec."""
    if not name:
        return None
    try:
        info = codecs.lookup(name.strip().strip("\"'").lower())
    except (LookupError, ValueError):
        return None
    return None if info.name in NOT_A_CHARSET or not getattr(info, "_is_text_encoding", True) else info.name


def _strict(body: bytes, charset: str | None) -> str | None:
    if charset is None:
        return None
    try:
        text = body.decode(charset)
    except (LookupError, UnicodeError):  # UnicodeError: codecs that fail otherwise than on a byte
        return None
    return None if "\ufffd" in text else text


def _detected(body: bytes) -> tuple[str, str, str | None] | None:
    best = from_bytes(body).best()
    if best is None or best.encoding is None:
        return None
    charset = usable_charset(best.encoding)
    text = _strict(body, charset)
    return (text, f"detected:{best.encoding}", charset) if text is not None else None


def _sample(text: str) -> str:
    """The text itself when short, else SAMPLE_WINDOWS windows spread evenly over it."""
    if len(text) <= SAMPLE_WINDOWS * SAMPLE_WINDOW:
        return text
    step = (len(text) - SAMPLE_WINDOW) // (SAMPLE_WINDOWS - 1)
    return "\n".join(text[i * step: i * step + SAMPLE_WINDOW] for i in range(SAMPLE_WINDOWS))


def _marks(sample: str) -> int:
    """How many legacy marks the sample holds; 0 when too few of their characters occur to reach MIN_MARKS."""
    if len(MARK_CHAR_RE.findall(sample)) < MIN_MARKS:  # a mark is one of these characters
        return 0
    return len(LEGACY_MARKS_RE.findall(sample))


def looks_legacy_vietnamese(text: str, western: str | None = None) -> bool:
    """TCVN3 / VNI text read as a Western code page: symbols inside words, no Vietnamese letters.
    `western` is the same bytes read as Latin-1, for when `text` came from another code page (a
    detector reads TCVN3 as cp852 or gb18030). Reads a bounded sample, so a page costs little."""
    if text.isascii():
        return False
    sample = _sample(text)
    marks = _marks(sample)
    if western is not None:
        marks = max(marks, _marks(_sample(western)))
    if marks < MIN_MARKS:
        return False
    letters = sum(map(str.isalpha, sample)) or 1
    return marks / letters > 0.01 and len(VIETNAMESE_RE.findall(sample)) < marks


def _read(body: bytes, header_charset: str | None) -> tuple[str, str, str | None] | None:
    """(text, rule, codec) by the first rule whose reading decodes strictly."""
    for bom, charset in BOMS:
        if body.startswith(bom) and (read := _strict(body, charset)) is not None:
            return read, "bom", charset
    header = usable_charset(header_charset)
    meta_match = META_CHARSET_RE.search(body[:4096])
    meta = usable_charset(meta_match.group(1).decode("ascii", "ignore")) if meta_match else None
    candidates: list[tuple[str | None, str]] = [(header, "header"), (meta, "meta")]
    wide = [(c, r) for c, r in candidates if c and c.startswith(WIDE)]
    utf8_rule = "header" if header == "utf-8" else "meta" if meta == "utf-8" else "utf-8"
    utf8: list[tuple[str | None, str]] = [("utf-8", utf8_rule)]
    for declared, rule in [*wide, *utf8, *candidates]:
        text = _strict(body, declared)
        if text is not None:
            return text, rule, declared
    return _detected(body)


def decode_body(body: bytes, header_charset: str | None, url: str) -> tuple[str, str]:
    """(NFC text, which rule decided the charset); ParseError with a decode.* reason otherwise."""
    found = _read(body, header_charset)
    if found is None:
        raise ParseError(f"{url}: the character encoding could not be determined", url=url,
                         reason="decode.charset_unknown")
    text, rule, codec = found
    text = unicodedata.normalize("NFC", text)
    # bytes read as UTF-8 are valid UTF-8 (not decoded again); others may be legacy text read as a code page
    western = (body.decode("latin-1") if codec not in UTF8 and not body.isascii() and _strict(body, "utf-8") is None
               else None)
    if looks_legacy_vietnamese(text, western):
        raise ParseError(f"{url}: legacy Vietnamese font encoding (TCVN3/VNI), not stored", url=url,
                         reason="decode.legacy_vietnamese_encoding")
    return text, rule
