"""Reading the operator's YAML files (sources, alert policy): one place for their read and parse errors."""

from __future__ import annotations

from typing import Any

import yaml

from cchc_monitor.errors import ConfigError


def parse_yaml(text: str, label: str) -> Any:
    """The document in `text`, or a ConfigError naming `label` (the file) and the line of the problem."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{label}{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from exc
