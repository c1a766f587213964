"""The process's malloc arenas: capped before threads allocate, a user's own setting left alone."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc arenas are glibc's")

THREADS_THEN_STATS = textwrap.dedent("""
    import ctypes, os, sys, threading
    from cchc_monitor.memory import cap_malloc_arenas
    if sys.argv[1] == "cap":
        print(cap_malloc_arenas(), os.environ.get("MALLOC_ARENA_MAX"), flush=True)
    together = threading.Barrier(8)  # each thread allocates while the others live (a dead one's arena is reused)
    held = []
    def work():
        held.append(bytearray(100_000))
        together.wait()
    threads = [threading.Thread(target=work) for _ in range(8)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    ctypes.CDLL(None).malloc_stats()  # a block per arena, on stderr
""")


def _run(mode: str, **env: str) -> tuple[str, int]:
    clean = {k: v for k, v in os.environ.items() if k not in ("MALLOC_ARENA_MAX", "GLIBC_TUNABLES")}
    done = subprocess.run([sys.executable, "-c", THREADS_THEN_STATS, mode], capture_output=True, text=True,
                          env={**clean, **env}, check=True)
    return done.stdout.strip(), sum(line.startswith("Arena ") for line in done.stderr.splitlines())


def test_eight_threads_share_two_arenas_once_capped_and_would_each_have_one_otherwise() -> None:
    assert _run("none") == ("", 9)
    assert _run("cap") == ("True 2", 2)  # and the processes it starts inherit the cap


def test_a_users_own_malloc_setting_is_left_alone() -> None:
    assert _run("cap", MALLOC_ARENA_MAX="4") == ("False 4", 4)
