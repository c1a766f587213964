"""`cchc-monitor alerts`: the outbox as an operator sees it: list, retry, drop, and a test message now."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cchc_monitor.cli.common import DB_OPT, err, fail
from cchc_monitor.errors import DeliveryError, MonitorError
from cchc_monitor.settings import Secrets, Settings

app = typer.Typer(help="The alert outbox: list deliveries, retry or drop them, send a test message.",
                  no_args_is_help=True)
# v_deliveries columns shown, in order
SHOWN = ("id", "status", "attempts", "target", "rule", "title", "last_error")


@app.command("list")
def alerts_list(
    pending: bool = typer.Option(False, "--pending", help="Only deliveries still to be sent."),
    failed: bool = typer.Option(False, "--failed", help="Only deliveries that failed and wait for a retry."),
    dead: bool = typer.Option(False, "--dead", help="Only deliveries that gave up (see `alerts retry`)."),
    db: Path | None = DB_OPT,
) -> None:
    """Show each delivery (one per alert and target): status, attempts, target (redacted), rule, last error."""
    from storage.repository import Repository

    try:
        with Repository(Settings.load(db_path=db).db_path) as repo:
            rows = repo.deliveries("dead" if dead else "pending" if (pending or failed) else None)
            pending_alerts = repo.pending_alerts()
            made = repo.delivered_targets(a.key for a in pending_alerts)  # one query, not one per alert
            waiting = [a for a in pending_alerts if not made[a.key]]
    except MonitorError as exc:
        fail(exc)
    columns = ("id", "alert_key", "rule", "severity", "title", "target", "status", "attempts", "last_error",
               "next_attempt_at", "created_at", "sent_at")
    table = Table(*SHOWN)
    for row in rows:
        item = dict(zip(columns, row, strict=True))
        if failed and not item["attempts"]:
            continue
        table.add_row(*(Text("" if item[c] is None else str(item[c])) for c in SHOWN))  # never markup
    Console(width=200).print(table)
    if waiting and not dead:
        print(f"{len(waiting)} alert(s) wait for a target (no notify URL or tag matches them yet)")


@app.command("retry")
def alerts_retry(delivery_id: int = typer.Argument(..., help="Delivery id (from `alerts list`)."),
                 db: Path | None = DB_OPT) -> None:
    """Try a failed or dead delivery again at the next cycle."""
    from storage.repository import Repository

    try:
        with Repository(Settings.load(db_path=db).db_path) as repo:
            done = repo.retry_delivery(delivery_id)
    except MonitorError as exc:
        fail(exc)
    if not done:
        err.print(f"no unsent delivery with id {delivery_id}", markup=False)
        raise typer.Exit(1)
    print(f"delivery {delivery_id}: queued again for the next cycle")


@app.command("drop")
def alerts_drop(
    delivery_id: int | None = typer.Argument(None, help="Delivery id (from `alerts list`)."),
    rule: str | None = typer.Option(None, "--rule", help="Drop every unsent delivery of this rule."),
    db: Path | None = DB_OPT,
) -> None:
    """Discard what should not go out: one delivery, or every unsent one of a rule."""
    from storage.repository import Repository

    if (delivery_id is None) == (rule is None):
        err.print("error: give a delivery id or --rule RULE (not both)", markup=False)
        raise typer.Exit(2)
    try:
        with Repository(Settings.load(db_path=db).db_path) as repo:
            dropped = repo.drop_deliveries(delivery_id=delivery_id, rule=rule)
    except MonitorError as exc:
        fail(exc)
    print(f"dropped {dropped} deliver{'y' if dropped == 1 else 'ies'}")
    if not dropped:
        raise typer.Exit(1)


@app.command("test")
def alerts_test(target: str = typer.Argument(..., help="A tag of the Apprise configuration, or an Apprise URL.")
                ) -> None:
    """Send a test message now; exit 0 when it was delivered, else 1 with a one-line, redacted reason."""
    from alerts import load_targets
    from alerts.deliver import redact, send

    title = "CCHC Monitor: tin nhắn thử"  # "test message"
    body = "Tin nhắn thử từ CCHC Monitor: kênh này nhận được cảnh báo."  # "this channel receives alerts"
    try:
        settings = Settings.load()
        if "://" in target:
            chosen = load_targets([target], settings.delivery_config())[:1]
        else:
            known = load_targets(Secrets.load().notify_url_list(), settings.delivery_config())
            chosen = [t for t in known if target in t.tags]
        if not chosen:
            raise DeliveryError(f"no target has the tag {target!r}")
        for one in chosen:
            send(one, title, body, html_body=False)
            print(f"delivered to {one.label}")
    except MonitorError as exc:
        secret = [target] if "://" in target else []
        err.print(f"error: {redact(str(exc), secret)}" if secret else f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(1) from None  # the cause could carry the URL
