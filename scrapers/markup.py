"""The guard every fetched document passes before a parser sees it: bounded size and nesting, whatever the tag."""

from __future__ import annotations

import re
from collections import Counter
from itertools import accumulate

from cchc_monitor.errors import ParseError

MAX_MARKUP_CHARS = 8_000_000  # above the fetch cap (5 MiB) even for text decoded from a wider charset
MAX_DEPTH = 1000
# A tag, a comment or a CDATA section. `[^<>]*?` cannot run past the next "<", so one pass over the
# document is linear however the tags are broken (no backtracking across the text).
TOKEN_RE = re.compile(r"<(?:(!--)|(!\[CDATA\[)|(/?)([A-Za-z][\w:.-]{0,63})[^<>]*?(/?)>)")
RAW_TEXT = {"script": re.compile(r"</script", re.I), "style": re.compile(r"</style", re.I),
            "textarea": re.compile(r"</textarea", re.I)}
# HTML elements that never hold children, and those an HTML parser closes by itself when a sibling
# starts (<p><p> are two paragraphs, not nested ones); in XML every element counts.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
        "wbr", "keygen", "frame", "basefont", "bgsound", "isindex", "nextid"}
SELF_CLOSING_SIBLINGS = {"p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "rb", "rt", "rtc", "rp",
                         "thead", "tbody", "tfoot", "colgroup", "caption", "html", "head", "body"}


# For the quick bound (runs in C): comments, CDATA and raw-text elements are consumed whole (to their end
# or the document's, so a match never fails and the pass stays linear), else a tag's name with its "/" when
# it closes; a consumed part gives "" (no tag). One "<" leads every branch, so the engine skips to it.
NAME_RE = re.compile(r"<(?:!--.*?(?:-->|\Z)|!\[CDATA\[.*?(?:\]\]>|\Z)|script\b.*?(?:</script|\Z)"
                     r"|style\b.*?(?:</style|\Z)|textarea\b.*?(?:</textarea|\Z)|(/?[A-Za-z][\w:.-]{0,63}))",
                     re.S | re.I)


def _quick_bound(text: str, xml: bool) -> int | None:
    """A cheap bound on the depth computed in C: every opening tag of a nesting element is +1, every
    closing tag -1. Trusted only when no element is closed more often than it is opened, so stray close
    tags cannot hide nesting; None sends the document to the exact pass. Python touches each distinct
    tag name once, not each tag. When fewer such tags open than MAX_DEPTH // 2, their count is the bound
    (most pages: no pass over the tags at all); else the range of the running sum is."""
    tags = NAME_RE.findall(text)
    spelled = Counter(tags)
    counts: Counter[str] = Counter()
    for name, count in spelled.items():
        counts[name.lower()] += count
    if any(name[:1] == "/" and count > counts[name[1:]] for name, count in list(counts.items())):
        return None
    skip = set() if xml else VOID | SELF_CLOSING_SIBLINGS | set(RAW_TEXT)
    opening = sum(count for name, count in counts.items() if name and name[0] != "/" and name not in skip)
    if opening < MAX_DEPTH // 2:  # the depth never exceeds the nesting elements opened
        return opening
    step = {name: 0 if not name or name.lower().lstrip("/") in skip else -1 if name[0] == "/" else 1
            for name in spelled}
    sums = list(accumulate(map(step.__getitem__, tags), initial=0))
    return max(sums) - min(sums)  # at least the deepest rise from any earlier low, so still a bound


def _skip_to(text: str, start: int, end_marker: str | re.Pattern[str]) -> int:
    """The position after the end of a comment, CDATA section or raw-text element; -1 when it never ends."""
    if isinstance(end_marker, str):
        found = text.find(end_marker, start)
        return -1 if found < 0 else found + len(end_marker)
    m = end_marker.search(text, start)
    return -1 if m is None else m.end()


def nesting_depth(text: str, *, xml: bool = False, stop_at: int = MAX_DEPTH) -> int:
    """How deep elements of any name nest (a close tag counts only for a name that is open), up to
    `stop_at`; one linear pass over the raw markup."""
    open_by_name: dict[str, int] = {}
    depth = deepest = pos = 0
    while (m := TOKEN_RE.search(text, pos)) is not None:
        pos = m.end()
        if m.group(1) or m.group(2):
            pos = _skip_to(text, pos, "-->" if m.group(1) else "]]>")
        else:
            name = m.group(4).lower()
            if m.group(3):  # a close tag
                if open_by_name.get(name):
                    open_by_name[name] -= 1
                    depth -= 1
            elif not m.group(5) and (xml or (name not in VOID and name not in SELF_CLOSING_SIBLINGS)):
                open_by_name[name] = open_by_name.get(name, 0) + 1
                depth += 1
                deepest = max(deepest, depth)
                if deepest >= stop_at:
                    break
            if not xml and not m.group(3) and name in RAW_TEXT:
                pos = _skip_to(text, pos, RAW_TEXT[name])
        if pos < 0:
            break
    return deepest


def readable(text: str) -> str:
    """The text with lone surrogates (which no decoder of ours produces, but a str may hold) made
    U+FFFD, so a parser that encodes its input to UTF-8 cannot fail on them."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", errors="replace").decode("utf-8")
    return text


def refuse_pathological(text: str, url: str, *, xml: bool = False) -> None:
    """ParseError before any parser runs on a document too large or nested too deep: parsers slow
    down sharply on absurd nesting (lexbor took 51 s for 100,000 nested divs), of any tag."""
    if len(text) > MAX_MARKUP_CHARS:
        raise ParseError(f"{url}: document of {len(text)} characters, more than {MAX_MARKUP_CHARS}; not parsed",
                         url=url, reason="parse.too_large")
    quick = _quick_bound(text, xml)
    if (quick is None or quick >= MAX_DEPTH // 2) and nesting_depth(text, xml=xml) >= MAX_DEPTH:
        raise ParseError(f"{url}: markup nested deeper than {MAX_DEPTH} levels, not parsed", url=url,
                         reason="parse.malformed_html")
