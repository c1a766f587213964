"""`cchc-monitor analyze` and `extract`: the analyzer and the extractor on saved files, one JSON line each."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from cchc_monitor.cli.common import err
from cchc_monitor.errors import MonitorError


def _read_input(path: Path) -> tuple[str, str | None, bool]:
    """(content, url, is_html) of one analyze input file."""
    raw = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        data = json.loads(raw)
        if not isinstance(data, dict) or not (data.get("text") or data.get("html")):
            raise ValueError('expected a JSON object with "text" or "html"')
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
        except (OSError, ValueError, KeyError, MonitorError) as exc:
            failed = True
            err.print(f"error: {path}: {exc}", highlight=False, markup=False)
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
        raw, url = path.read_text(encoding="utf-8"), ""
        if path.suffix.lower() == ".json":
            data = json.loads(raw)
            raw, url = data["html"], data.get("url") or ""
        page = extract_article(raw, url)
        published = page.published.isoformat() if page.published else None
        return {"title": page.title, "published": published, "text": page.text, "profile": page.extractor}

    _json_lines(paths, one, {"title": None, "published": None, "text": "", "profile": None})


def register(app: typer.Typer) -> None:
    """Add these commands to the application."""
    app.command()(analyze)
    app.command()(extract)
