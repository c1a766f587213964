"""`cchc-monitor analyze` and `extract`: the analyzer and the extractor on saved files, one JSON line each."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from cchc_monitor.cli.common import err
from cchc_monitor.errors import MonitorError
from cchc_monitor.files import read_text

INPUT_LIMIT = 16 * 1024 * 1024  # a saved page or article; the crawler reads at most 5 MB of one response


JSON_TYPES = {bool: "true/false", int: "number", float: "number", str: "text", list: "list", dict: "object"}


def _kind(value: object) -> str:
    return JSON_TYPES.get(type(value), type(value).__name__)


def _json_object(raw: str, keys: tuple[str, ...]) -> dict[str, str]:
    """The text fields `keys` (and url) of a JSON input: an object whose values there are strings."""
    try:
        data = json.loads(raw)
    except RecursionError:  # json recurses per level: 100,000 nested lists
        raise ValueError("not valid JSON (nested too deeply)") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, dict):
        raise ValueError(f'expected a JSON object with {" or ".join(map(repr, keys))}, not a {_kind(data)}')
    out: dict[str, str] = {}
    for key in (*keys, "url"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            raise ValueError(f'"{key}" must be text, not a {_kind(value)}')
        if value:
            out[key] = value
    if not any(k in out for k in keys):
        raise ValueError(f'expected a JSON object with {" or ".join(map(repr, keys))}')
    return out


def _read(path: Path) -> str:
    return read_text(path, "input file", limit=INPUT_LIMIT)


def _read_input(path: Path) -> tuple[str, str | None, bool]:
    """(content, url, is_html) of one analyze input file."""
    raw = _read(path)
    if path.suffix.lower() == ".json":
        data = _json_object(raw, ("text", "html"))
        if data.get("text"):
            return data["text"], data.get("url"), False
        return data["html"], data.get("url"), True
    return raw, None, path.suffix.lower() in {".html", ".htm"}


def _json_lines(paths: list[Path], one: Callable[[Path], dict[str, Any]], blank: dict[str, Any]) -> None:
    """Print one JSON object per path, in order; a path that fails gets `blank` with its error, the
    others still answer, and the command exits 1 at the end."""
    failed = False
    for path in paths:
        try:
            result = one(path)
        except (OSError, ValueError, KeyError, RecursionError, MonitorError) as exc:  # deep HTML: RecursionError
            failed = True
            message = str(exc) if str(exc).startswith(str(path)) else f"{path}: {exc}"  # ours name the file already
            err.print(f"error: {message}", highlight=False, markup=False)
            result = {"path": str(path), "error": str(exc), **blank}
        print(json.dumps(result, ensure_ascii=False), flush=True)
    if failed:
        raise typer.Exit(1)


def analyze(
    paths: list[Path] = typer.Argument(..., help="Article files: .txt, .html, or .json {url?, text|html}."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per path, one per line (the only format)."),
) -> None:
    """Analyse article files without a database: one JSON line of facts per path, in order."""
    import analysis
    from scrapers import page_text

    def one(path: Path) -> dict[str, Any]:
        content, url, is_html = _read_input(path)
        text = page_text(content, url or "") if is_html else content
        return analysis.to_contract(analysis.analyze(text, url))

    _json_lines(paths, one, {"is_cchc": None, "category": None})


def extract(
    paths: list[Path] = typer.Argument(..., help="Saved pages: .html, or .json {url, html}."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per path, one per line (the only format)."),
) -> None:
    """Run the article extractor on saved pages: title, published, text and the profile used, per path."""
    from scrapers import extract_article

    def one(path: Path) -> dict[str, Any]:
        raw, url = _read(path), ""
        if path.suffix.lower() == ".json":
            data = _json_object(raw, ("html",))
            raw, url = data["html"], data.get("url") or ""
        page = extract_article(raw, url)
        published = page.published.isoformat() if page.published else None
        return {"title": page.title, "published": published, "text": page.text, "profile": page.extractor}

    _json_lines(paths, one, {"title": None, "published": None, "text": "", "profile": None})


def register(app: typer.Typer) -> None:
    """Add these commands to the application."""
    app.command()(analyze)
    app.command()(extract)
