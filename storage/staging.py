"""Shards' results as Parquet batch files in a staging folder, written whole or not at all, merged once.

A shard writes `<batch>.parquet.part` and renames it when complete, so a shard that died leaves
nothing a merge would read; the database records each batch it merged (`ingested_batches`), in the
same transaction as the batch's rows, so merging a batch twice changes nothing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import duckdb

from cchc_monitor.errors import StorageError
from storage.connection import memory


def write_batch(folder: Path, batch_id: str, data: dict[str, Any]) -> Path:
    """Write one shard's batch atomically; returns the finished file."""
    folder.mkdir(parents=True, exist_ok=True)
    final, part = folder / f"{batch_id}.parquet", folder / f"{batch_id}.parquet.part"
    rows = [(batch_id, key, json.dumps(value, ensure_ascii=False)) for key, value in data.items()]
    try:
        con = memory()
        try:
            con.execute("CREATE TABLE batch (batch_id VARCHAR, part VARCHAR, body VARCHAR)")
            con.executemany("INSERT INTO batch VALUES (?, ?, ?)", rows)
            con.execute("COPY batch TO ? (FORMAT parquet)", [str(part)])
        finally:
            con.close()
        descriptor = os.open(part, os.O_RDONLY)
        try:
            os.fsync(descriptor)  # on disk before it is visible under its final name (a power loss)
        finally:
            os.close(descriptor)
        os.replace(part, final)
    except (duckdb.Error, OSError) as exc:
        raise StorageError(f"{final}: cannot write the batch ({exc})") from exc
    return final


def read_batch(path: Path) -> tuple[str, dict[str, Any]]:
    """(batch id, data) of a finished batch file."""
    try:
        con = memory()
        try:
            rows = con.execute("SELECT batch_id, part, body FROM read_parquet(?)", [str(path)]).fetchall()
        finally:
            con.close()
    except duckdb.Error as exc:
        raise StorageError(f"{path}: not a readable batch ({exc})") from exc
    if not rows:
        raise StorageError(f"{path}: an empty batch")
    return rows[0][0], {part: json.loads(body) for _, part, body in rows}


def batch_id_of(path: Path) -> str:
    """The batch id a finished file carries in its name."""
    return path.name.removesuffix(".parquet")


def finished_batches(folder: Path, prefix: str = "") -> list[Path]:
    """The complete batch files in the folder (a `.part` file is a shard still writing, or one that died)."""
    return sorted(folder.glob(f"{prefix}*.parquet")) if folder.exists() else []
