"""The house rules of imports: each library in one place, rooms apart, the kernel below them all, no circles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("alerts", "analysis", "cchc_monitor", "dedup", "flows", "scrapers", "storage")
STAGE_ROOMS = {"scrapers", "analysis", "dedup", "storage", "alerts"}
FACE = {"cchc_monitor.cli", "cchc_monitor.demo"}  # the console command and the demo sit on top of everything
# library → the modules (or folders, ending in "/") allowed to import it
ALLOWED = {
    "prefect": {"flows/"},
    "duckdb": {"storage/connection.py", "storage/migrations.py", "storage/adhoc.py", "storage/staging.py"},
    "apprise": {"alerts/deliver.py", "alerts/zalo_plugins.py"},  # sending and config; its plugin API
    "jinja2": {"alerts/render.py", "alerts/digest.py"},
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
    "typer": {"cchc_monitor/cli/"},
    "pydantic_settings": {"cchc_monitor/settings.py"},
}


def unit_of(module: str) -> str | None:
    """The room a module belongs to: a stage room, flows, the kernel, or a part of the face."""
    for face in FACE:
        if module == face or module.startswith(face + "."):
            return face
    top = module.split(".")[0]
    if top == "cchc_monitor":
        return "kernel"
    return top if top in PACKAGES else None


def _imports(path: Path) -> set[str]:
    """Every module imported at run time (inside functions too; TYPE_CHECKING blocks aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    guarded = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
               and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    names = set()
    for node in ast.walk(tree):
        if id(node) in guarded:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return names


FILES = sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _allowed(rel: str, places: set[str]) -> bool:
    return any(rel == p or (p.endswith("/") and rel.startswith(p)) for p in places)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_each_library_lives_in_one_place(path: Path) -> None:
    rel = str(path.relative_to(ROOT))
    tops = {name.split(".")[0] for name in _imports(path)}
    for library, places in ALLOWED.items():
        assert library not in tops or _allowed(rel, places), f"{rel} imports {library}"


def _unit_edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for path in FILES:
        own = unit_of(_module(path))
        assert own is not None
        targets = {unit_of(name) for name in _imports(path)} - {None, own}
        edges.setdefault(own, set()).update(t for t in targets if t)
    return edges


def test_the_kernel_imports_no_room() -> None:
    assert _unit_edges().get("kernel", set()) == set()


@pytest.mark.parametrize("room", sorted(STAGE_ROOMS))
def test_stage_rooms_share_only_the_kernel(room: str) -> None:
    assert _unit_edges().get(room, set()) <= {"kernel"}, f"{room} imports {_unit_edges()[room] - {'kernel'}}"


def test_flows_wire_the_rooms_and_nothing_imports_the_face_but_the_face() -> None:
    edges = _unit_edges()
    assert edges["flows"] <= STAGE_ROOMS | {"kernel"}
    assert edges["cchc_monitor.demo"] <= {"kernel", "flows"}  # the demo runs a cycle; it never calls the CLI
    for unit, targets in edges.items():
        if unit not in FACE:
            assert not targets & FACE, f"{unit} imports {targets & FACE}"


def test_no_import_circle_between_rooms() -> None:
    edges = _unit_edges()

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in edges.get(start, ()))

    circles = sorted(unit for unit in edges if reaches(unit, unit, {unit}))
    assert circles == []


def test_the_rule_sees_an_upward_import(tmp_path: Path) -> None:
    """The checker itself: an import from the kernel into a room is found, so the rules above can fail."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from storage.repository import Repository\n    from scrapers import crawl\n")
    assert {unit_of(n) for n in _imports(bad)} >= {"storage", "scrapers"}
