"""Headless Chromium for tests: find the binary, screenshot an HTML file to PNG, dump its rendered DOM.

Mail clients block remote images and often `data:` images and scripts; the page is rendered the same
way: images off and every host name unresolvable, so nothing remote can load (the digest has no scripts:
its test checks that).
Without Chromium a test is skipped on a developer's machine and fails on CI (`CI` set), where
`.ci/run` installs it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

BINARIES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 90.0  # seconds one Chromium run may take before it is killed and the test fails


def find_chromium() -> str:
    """The path of a Chromium binary; skips the test when there is none, except on CI where it fails."""
    for name in BINARIES:
        found = shutil.which(name)
        if found:
            return found
    message = f"no headless Chromium found on PATH (looked for {', '.join(BINARIES)})"
    if os.environ.get("CI"):
        pytest.fail(message + "; CI must install it (.ci/run: apt-get install chromium)")
    pytest.skip(message + "; install it with `apt-get install chromium` to run this test")


def command(binary: str, profile: Path, *actions: str) -> list[str]:
    """The Chromium command line: headless, no sandbox (root on CI), no GPU, images, scripts and network off."""
    return [
        binary,
        "--headless=new",
        "--disable-gpu",
        "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
        "--disable-dev-shm-usage",  # containers have a small /dev/shm
        f"--user-data-dir={profile}",  # a throw-away profile, never the user's
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        "--blink-settings=imagesEnabled=false",  # as a mail client that blocks images (scriptEnabled=false stops --screenshot)
        "--host-resolver-rules=MAP * ~NOTFOUND",  # no remote resource can load
        *actions,
    ]


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[bytes]:
    """Runs Chromium in its own process group, so a hung run is killed with all its helper processes."""
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the group this call started, and only it
            proc.communicate()
            pytest.fail(f"Chromium did not finish within {timeout:.0f} s: {' '.join(args)}")
    result = subprocess.CompletedProcess(args, proc.returncode, out, err)
    if result.returncode != 0:
        pytest.fail(f"Chromium exited with {result.returncode}: {err.decode(errors='replace')[-2000:]}")
    return result


def screenshot(html: Path, png: Path, width: int = 680, height: int = 1600, timeout: float = TIMEOUT) -> Path:
    """Renders an HTML file to a PNG of `width` × `height` CSS pixels (the window; longer pages are cut)."""
    binary = find_chromium()
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        _run(command(binary, Path(profile), f"--screenshot={png.resolve()}", f"--window-size={width},{height}",
                     html.resolve().as_uri()), timeout)
    if not png.is_file() or png.stat().st_size == 0:
        pytest.fail(f"Chromium wrote no screenshot to {png}")
    return png


def dump_dom(html: Path, timeout: float = TIMEOUT) -> str:
    """The DOM Chromium built from an HTML file, serialised (what a reader's browser engine made of it)."""
    binary = find_chromium()
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        result = _run(command(binary, Path(profile), "--dump-dom", html.resolve().as_uri()), timeout)
    return result.stdout.decode("utf-8")
