"""Reading the operator's files (sources, alert policy, Apprise configuration): bounded, UTF-8, one error line each."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

from cchc_monitor.errors import ConfigError

MAX_FILE_BYTES = 4 * 1024 * 1024  # an operator's YAML file; the shipped sources file is 30 KB
MAX_ALIASES = 100  # YAML aliases (*name) in one document: a few are handy, thousands are an attack
MAX_NODES = 200_000  # nodes of a document once its aliases are expanded ("billion laughs" stops here)


def read_text(path: Path, what: str, *, limit: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of a regular file of at most `limit` bytes; else a ConfigError naming the file
    (and the line of a byte that is not UTF-8). `what` says which file it is ("sources file")."""
    try:  # O_NONBLOCK: a FIFO given as a file must not block the open; it is refused below
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the {what} ({exc.strerror or type(exc).__name__})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise ConfigError(f"{path}: the {what} is a directory, not a file")
        raise ConfigError(f"{path}: the {what} is not a regular file (a device, pipe or socket)")
    with os.fdopen(fd, "rb") as handle:
        try:
            raw = handle.read(limit + 1)
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the {what} ({exc.strerror or type(exc).__name__})") from None
    if len(raw) > limit:
        raise ConfigError(f"{path}: the {what} is larger than {limit:,} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ConfigError(f"{path} line {line}: the {what} is not UTF-8 text (byte 0x{raw[exc.start]:02x}); "
                          "save it as UTF-8") from None


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader refusing many aliases and documents that expand past MAX_NODES."""

    aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                event = self.peek_event()  # type: ignore[no-untyped-call]  # PyYAML's stubs leave it untyped
                raise yaml.composer.ComposerError(None, None, f"more than {MAX_ALIASES} aliases (*name)",
                                                  event.start_mark)
        return super().compose_node(parent, index)

    def compose_document(self) -> Any:
        node = super().compose_document()
        _check_expansion(node)
        return node


def _check_expansion(root: Any) -> None:
    """Refuse a node graph whose expansion (aliases copied out) exceeds MAX_NODES or that refers to itself."""
    sizes: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(root, False)]
    open_ids: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_ids.discard(key)
            children = _children(node)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[key] > MAX_NODES:
                raise yaml.composer.ComposerError(None, None, f"aliases expand past {MAX_NODES:,} nodes",
                                                  node.start_mark)
            continue
        if key in sizes:
            continue
        if key in open_ids:
            raise yaml.composer.ComposerError(None, None, "an alias refers to its own anchor", node.start_mark)
        open_ids.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in sizes)


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def parse_yaml(text: str, label: str) -> Any:
    """The document in `text`, or a ConfigError naming `label` (the file) and the line of the problem;
    alias bombs and deep nesting are refused the same way."""
    try:
        return yaml.load(text, Loader=_BoundedLoader)  # noqa: S506  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where, problem = f" line {mark.line + 1}", getattr(exc, "problem", None) or exc
        elif isinstance(exc, yaml.reader.ReaderError):  # a character YAML refuses (NUL, other controls)
            character = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
            where = f" line {text[:exc.position].count(chr(10)) + 1}"
            problem = f"character #x{character:04x} is not allowed"
        else:
            where, problem = "", exc
        one_line = " ".join(str(problem).split())
        raise ConfigError(f"{label}{where}: not valid YAML ({one_line})") from exc
    except RecursionError:  # nesting thousands deep: PyYAML's composer recurses per level
        raise ConfigError(f"{label}: not valid YAML (nested too deeply)") from None


def load_yaml_file(path: Path, what: str) -> Any:
    """read_text, then parse_yaml."""
    return parse_yaml(read_text(path, what), str(path))


def check_yaml_aliases(text: str, label: str) -> None:
    """Refuse a text with more than MAX_ALIASES YAML aliases, for files another library parses
    (Apprise's configuration); a text that is not YAML at all passes (it may be another format)."""
    count = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                count += 1
                if count > MAX_ALIASES:
                    line = f" line {event.start_mark.line + 1}" if event.start_mark else ""
                    raise ConfigError(f"{label}{line}: more than {MAX_ALIASES} YAML aliases (*name)")
    except yaml.YAMLError:
        return


def field_path(loc: tuple[int | str, ...] | list[int | str]) -> str:
    """A validation error's location as one printable line ("article.body", "sources.2", "'odd\\nkey'")."""
    return ".".join(str(part) if str(part).isprintable() and str(part).strip() else repr(part) for part in loc)


def one_line(text: str) -> str:
    """A message on one line: runs of whitespace (newlines too) become one space."""
    return " ".join(text.split())
