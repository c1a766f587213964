"""The one exception tree of CCHC Monitor; library errors are translated into it at their module.

    MonitorError
    ├── ConfigError            bad settings or sources file (names the file, entry and problem)
    ├── FetchError             network / HTTP failure for one URL (reason code, retryable flag)
    ├── ParseError             a page or feed we fetched but could not read (reason code)
    ├── StorageError           DuckDB problems
    │   ├── DatabaseBusyError  another process holds the database file
    │   └── CycleBusyError     another cycle is running on the same database file
    ├── QueryError             a user's ad-hoc SQL was refused or failed
    └── DeliveryError          an alert could not be delivered (target URLs redacted)
"""

from __future__ import annotations

# Reason codes that decide something beyond the fetch log (the rest are built as "fetch.http_<status>",
# "fetch.timeout", "decode.…" where they are raised).
GONE = "fetch.http_410"  # the source answered 410 Gone: paused until `sources enable`
LAYOUT_CHANGED = "parse.layout_changed"  # a listing where no article link is found any more


class MonitorError(Exception):
    """Something CCHC Monitor understands went wrong."""


class ConfigError(MonitorError):
    """The settings or the sources file are not usable."""


class ScrapeError(MonitorError):
    """One URL of one source failed; `reason` is a stable code stored in the fetch log."""

    reason = "scrape_error"

    def __init__(self, message: str, *, url: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.url = url
        if reason:
            self.reason = reason


class FetchError(ScrapeError):
    """The request failed (network, timeout, HTTP status, size)."""

    reason = "fetch_error"

    def __init__(
        self, message: str, *, url: str, reason: str | None = None, retryable: bool = False
    ) -> None:
        super().__init__(message, url=url, reason=reason)
        self.retryable = retryable


class ParseError(ScrapeError):
    """The response arrived but holds no feed items, links or article body we can read."""

    reason = "parse_error"


class StorageError(MonitorError):
    """The database could not be opened, migrated or written."""


class DatabaseBusyError(StorageError):
    """Another process holds the database file; retry when it has finished."""


class CycleBusyError(StorageError):
    """Another monitoring cycle holds the database file's cycle lock; this cycle is skipped."""


class QueryError(MonitorError):
    """An ad-hoc SQL query was refused or failed."""


class DeliveryError(MonitorError):
    """An alert could not be delivered to one or more targets."""
