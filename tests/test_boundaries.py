"""Each third-party library lives in one place, and only flows/ imports Prefect and wires the rooms."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("alerts", "analysis", "cchc_monitor", "dedup", "flows", "scrapers", "storage")
# library → the modules allowed to import it
ALLOWED = {
    "prefect": {"flows/cycle.py", "flows/scheduled.py"},
    "duckdb": {"storage/connection.py", "storage/migrations.py", "storage/adhoc.py"},
    "apprise": {"alerts/deliver.py"},
    "feedparser": {"scrapers/feed.py"},
    "trafilatura": {"scrapers/article.py"},
    "httpx": {"scrapers/http.py"},
    "httpcore": {"scrapers/http.py"},
    "bs4": {"scrapers/listing.py"},
    "selectolax": {"scrapers/article.py"},
    "aiosmtpd": {"cchc_monitor/demo/mailsink.py"},
    "protego": {"scrapers/fetch.py"},
    "courlan": {"cchc_monitor/keys.py"},
    "charset_normalizer": {"scrapers/decode.py"},
    "datasketch": {"dedup/minhash.py"},
    "typer": {"cchc_monitor/cli.py"},
}
# room → rooms it must never import
FORBIDDEN = {
    "analysis": {"scrapers", "storage", "alerts", "flows"},
    "storage": {"scrapers", "analysis", "alerts", "flows"},
    "alerts": {"scrapers", "storage", "flows"},
    "scrapers": {"storage", "alerts", "flows"},
    "dedup": {"scrapers", "storage", "alerts", "flows", "analysis"},
}


def _runtime_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    guarded = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
               and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    names = set()
    for node in ast.walk(tree):
        if id(node) in guarded:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


FILES = sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_respect_the_rooms(path: Path) -> None:
    rel = str(path.relative_to(ROOT))
    imports = _runtime_imports(path)
    for library, allowed in ALLOWED.items():
        assert library not in imports or rel in allowed, f"{rel} imports {library}"
    room = rel.split("/")[0]
    assert not imports & FORBIDDEN.get(room, set()), f"{rel} crosses into {imports & FORBIDDEN[room]}"
