"""The process's malloc: glibc's arenas capped, so that a cycle's hundreds of fetch threads share a few."""

from __future__ import annotations

import ctypes
import os

# glibc gives threads up to 8 arenas per core, each keeping what its threads freed for them alone: a cycle's
# 128-256 fetch threads and DuckDB's spread a country's cycle over 16 arenas of free memory (+1.6 KB per
# article, growing). Two measured 418 against 439 MB at 20,000 articles, at no cost in time
# (docs/scale-benchmarks.md, item 29).
MALLOC_ARENAS = 2
M_ARENA_MAX = -8  # mallopt's parameter number (glibc malloc.h)
OWN_SETTINGS = ("MALLOC_ARENA_MAX", "GLIBC_TUNABLES")  # a user's own choice, left alone


def cap_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Cap this process's malloc arenas (it must run before a second thread allocates) and, through the
    environment, those of the processes it starts (workers, Prefect's flow runs); False where the user set
    their own or there is no glibc."""
    if any(name in os.environ for name in OWN_SETTINGS):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (or no dynamic loader): nothing to cap
        return False
    os.environ["MALLOC_ARENA_MAX"] = str(arenas)
    return bool(mallopt(M_ARENA_MAX, arenas))
