"""`cchc-monitor digest`: the morning bulletin, previewed to a file or sent now."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import typer

from cchc_monitor.cli.common import DB_OPT, err, fail
from cchc_monitor.errors import ConfigError, MonitorError
from cchc_monitor.settings import Settings

app = typer.Typer(help="The morning bulletin: preview it (--preview FILE.html) or send it now (digest send).",
                  invoke_without_command=True)


@app.callback()
def digest(
    ctx: typer.Context,
    preview: Path | None = typer.Option(None, "--preview", help="Write the bulletin's HTML e-mail to this file."),
    recipient: str | None = typer.Option(None, "--recipient", help="Tag of the reader (default: the untagged one)."),
    day: str | None = typer.Option(None, "--day", help="Bulletin of this day (YYYY-MM-DD; default today)."),
    db: Path | None = DB_OPT,
) -> None:
    """Render one bulletin without sending it (--preview), or use `digest send`."""
    if ctx.invoked_subcommand is not None:
        return
    if preview is None:
        err.print("error: give --preview FILE.html, or run `cchc-monitor digest send`", markup=False)
        raise typer.Exit(2)
    from alerts import load_policy
    from alerts.bulletin import build, readers, render
    from cchc_monitor.dates import VIETNAM
    from storage.repository import Repository

    try:
        settings = Settings.load(db_path=db)
        when = date.fromisoformat(day) if day else datetime.now(VIETNAM).date()
        chosen = [r for r in readers(load_policy(settings.alerts_file)) if r.tag == recipient]
        if not chosen:
            raise ConfigError(f"no digest reader with the tag {recipient!r} in the alerts file")
        with Repository(settings.db_path) as repo:
            subject, html = render(build(repo, chosen[0], when), email=True)
        preview.write_text(html, encoding="utf-8")
    except (MonitorError, ValueError) as exc:
        fail(exc if isinstance(exc, MonitorError) else ConfigError(f"--day: {exc}"))
    print(f"{subject}: written to {preview}")


@app.command("send")
def digest_send(
    day: str | None = typer.Option(None, "--day", help="Bulletin of this day (YYYY-MM-DD; default today)."),
    db: Path | None = DB_OPT,
) -> None:
    """Send today's bulletins now to every reader's targets (once per target and day)."""
    from flows.local import run_digest

    try:
        settings = Settings.load(db_path=db)
        report = run_digest(settings.cycle_config(), day)
    except MonitorError as exc:
        fail(exc)
    for target in report:
        why = f" ({'; '.join(dict.fromkeys(target.reasons))})" if target.reasons else ""
        print(f"→ {target.label}: sent {target.sent}, failed {target.failed}{why}")
    if not report:
        print("nothing to send (no target, or every bulletin of the day was sent already)")
    if any(t.failed for t in report):
        raise typer.Exit(1)
