"""MinHash signatures and LSH band keys (datasketch is imported here only).

datasketch 2.0 defaults to the `affine32` scheme; it is named explicitly. Shingles are hashed with
CRC-32 before the permutations (a quarter of the time of datasketch's default SHA-1; the random
permutations give the independence MinHash needs). The band keys stored in DuckDB depend on the
scheme, the hash, NUM_PERM and SEED: change any of them and stored keys must be rebuilt by a
migration (storage/sql/008_band_hash.sql did it for the hash).
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import zlib
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datasketch import MinHash


BANDS = 20
ROWS = 3  # candidates from Jaccard ≈ (1/BANDS)^(1/ROWS) ≈ 0.37 up; 0.5 is found 93 %, 0.6 99 % of the time
NUM_PERM = BANDS * ROWS
SEED = 20251
SCHEME = "affine32"


def _minhash_class() -> type[MinHash]:
    """datasketch's MinHash, imported without the package's `__init__`: that imports every index datasketch
    has, and MinHashLSH's imports scipy.integrate (0.6 s of CPU and 60 MB in each process that loads it); band
    keys need the MinHash module alone, which imports numpy and datasketch.hashfunc. The package is loaded
    whole by whoever imports it, before or after, and its MinHash is this same class."""
    stub = None
    if "datasketch" not in sys.modules:
        spec = importlib.util.find_spec("datasketch")
        if spec is None or spec.submodule_search_locations is None:
            raise ImportError("datasketch is not installed")
        stub = sys.modules["datasketch"] = importlib.util.module_from_spec(spec)  # submodules load from its folder
    try:
        from datasketch.minhash import MinHash
    finally:
        if stub is not None and sys.modules.get("datasketch") is stub:
            del sys.modules["datasketch"]  # a later `import datasketch` runs the package, reusing this MinHash
    minhash: type[MinHash] = MinHash
    return minhash


@lru_cache(maxsize=1)
def _template() -> MinHash:
    """The MinHash whose permutations every signature uses; made on first use (and in the workers' fork server)."""
    return _minhash_class()(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, hashfunc=zlib.crc32)


def warm() -> None:
    """Load MinHash and make its permutations now (a fork server does, so that forked workers start with them)."""
    _template()


def shingle_hashes(shingles: Iterable[str]) -> frozenset[int]:
    """The 32-bit hashes the shingles enter the MinHash with (CRC-32 of their UTF-8, as the template's
    hashfunc): also what a fingerprint keeps. Mapped in C, without a Python call per shingle."""
    return frozenset(map(zlib.crc32, map(str.encode, shingles)))


def band_keys(hashes: Iterable[int]) -> tuple[int, ...]:
    """One signed 64-bit key per LSH band of the MinHash signature of a set of shingle hashes (empty set: no keys)."""
    items = list(hashes)
    if not items:
        return ()
    template = _template()
    signature = type(template)(num_perm=NUM_PERM, seed=SEED, permutations=template.permutations, scheme=SCHEME,
                        hashfunc=int)  # the shingles come hashed (shingle_hashes), as the template's crc32 would
    signature.update_batch(items)
    values = signature.hashvalues
    keys = []
    for band in range(BANDS):
        chunk = values[band * ROWS:(band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(band.to_bytes(2, "little") + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return tuple(keys)
