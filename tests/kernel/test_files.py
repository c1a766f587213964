"""Operators' files: bounded, regular, UTF-8 and small in YAML aliases, or one ConfigError naming the file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cchc_monitor.errors import ConfigError
from cchc_monitor.files import MAX_ALIASES, check_yaml_aliases, parse_yaml, read_text

BOMB = "\n".join(
    [f'a0: &a0 [{", ".join(["lol"] * 9)}]']
    + [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)]
    + ["sources: [*a8]"]
)


def test_a_latin1_file_names_its_first_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"sources:\n  - id: a\n    name: Caf\xe9\n")
    with pytest.raises(ConfigError, match=r"latin1.yaml line 3: the sources file is not UTF-8 text \(byte 0xe9\)"):
        read_text(path, "sources file")


def test_a_directory_a_device_a_fifo_and_a_missing_file_are_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # opening it must not block for a writer
    cases = {tmp_path: "is a directory", Path("/dev/zero"): "not a regular file", fifo: "not a regular file",
             tmp_path / "nope.yaml": "sources file not found"}
    for path, message in cases.items():
        with pytest.raises(ConfigError, match=message) as info:
            read_text(path, "sources file")
        assert str(info.value).startswith(str(path))


def test_a_file_past_the_size_limit_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * 2000)
    assert read_text(path, "sources file", limit=2000) == "#" * 2000
    with pytest.raises(ConfigError, match="larger than 1,999 bytes"):
        read_text(path, "sources file", limit=1999)


def test_billion_laughs_is_refused_with_its_line() -> None:
    with pytest.raises(ConfigError, match=r"bomb.yaml line \d+: not valid YAML \(aliases expand past"):
        parse_yaml(BOMB, "bomb.yaml")


def test_many_aliases_are_refused_a_few_are_fine() -> None:
    few = "x: &x {a: 1}\nys: [" + ", ".join(["*x"] * 5) + "]\n"
    assert parse_yaml(few, "f.yaml")["ys"] == [{"a": 1}] * 5
    many = "x: &x 1\nys: [" + ", ".join(["*x"] * (MAX_ALIASES + 1)) + "]\n"
    with pytest.raises(ConfigError, match=rf"f.yaml line 2: not valid YAML \(more than {MAX_ALIASES} aliases"):
        parse_yaml(many, "f.yaml")
    with pytest.raises(ConfigError, match=f"more than {MAX_ALIASES} YAML aliases"):
        check_yaml_aliases(many, "apprise.yaml")
    check_yaml_aliases("urls:\n  - json://localhost\n", "apprise.yaml")  # plain YAML passes
    check_yaml_aliases("json://localhost [unclosed", "apprise.txt")  # another format passes


def test_a_self_referring_alias_and_deep_nesting_are_refused() -> None:
    with pytest.raises(ConfigError, match="refers to its own anchor"):
        parse_yaml("a: &a [*a]\n", "loop.yaml")
    with pytest.raises(ConfigError, match="deep.yaml: not valid YAML"):
        parse_yaml("sources: " + "[" * 100_000 + "1" + "]" * 100_000, "deep.yaml")
