"""Packaging that cannot drift: the wheel built from this tree holds every package, migration and demo page."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.helpers import ROOT

PACKAGES = {"alerts", "analysis", "cchc_monitor", "dedup", "flows", "scrapers", "storage"}
SKIP = shutil.ignore_patterns(".venv", ".git", ".prefect", "data", "build", "*.egg-info", "__pycache__",
                              ".pytest_cache", ".mypy_cache", ".ruff_cache", ".lockenv")


def test_the_wheel_holds_every_package_migration_and_demo_page(tmp_path: Path) -> None:
    tree = tmp_path / "src"
    shutil.copytree(ROOT, tree, ignore=SKIP)  # built from a copy: the build leaves nothing in the work tree
    out = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(out), str(tree)], check=True, capture_output=True, timeout=300)
    (wheel,) = out.glob("cchc_monitor-*.whl")
    names = zipfile.ZipFile(wheel).namelist()

    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == PACKAGES  # nothing missing, no tests/, benchmarks/ or tools/ shipped
    on_disk = {str(p.relative_to(ROOT)) for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    assert on_disk <= set(names), sorted(on_disk - set(names))  # every module, sub-packages included
    for folder in ("storage/sql", "cchc_monitor/demo/site"):
        shipped = {n for n in names if n.startswith(folder + "/")}
        assert shipped == {f"{folder}/{p.name}" for p in (ROOT / folder).iterdir() if p.is_file()}
    entry = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "cchc-monitor = cchc_monitor.cli:app" in zipfile.ZipFile(wheel).read(entry).decode()
