"""The scrapers room's fixtures: a test PKI for the TLS rows of the fault matrix (servers are in servers.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import trustme


@pytest.fixture(scope="session")
def pki() -> dict[str, Any]:
    """A root CA, an intermediate under it, and leaves issued by the intermediate."""
    root = trustme.CA()
    intermediate = root.create_child_ca()
    now = dt.datetime.now(dt.UTC)
    return {
        "root": root, "intermediate": intermediate,
        "leaf": intermediate.issue_cert("127.0.0.1"),
        "expired": intermediate.issue_cert("127.0.0.1", not_before=now - dt.timedelta(days=30),
                                           not_after=now - dt.timedelta(days=1)),
        "wrong_host": intermediate.issue_cert("portal.example.vn"),
    }
