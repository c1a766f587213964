"""The cycle commands (run, backfill, demo) and the assembled `cchc-monitor` application."""

from __future__ import annotations

from pathlib import Path

import typer

from cchc_monitor.cli import alerts, data, digest, files, serve, sources
from cchc_monitor.cli.common import DB_OPT, SOURCES_OPT, fail
from cchc_monitor.cli.progress import watching
from cchc_monitor.config import CycleConfig
from cchc_monitor.errors import MonitorError
from cchc_monitor.memory import cap_malloc_arenas
from cchc_monitor.models import CycleSummary
from cchc_monitor.settings import Settings

app = typer.Typer(help="CCHC Monitor: watches Vietnamese portals for administrative-reform news.",
                  no_args_is_help=True, add_completion=False)


FAILED_SHOWN = 5  # source ids listed per failure reason


@app.callback()
def _process() -> None:
    """Before any command, while this process has one thread: its malloc arenas capped."""
    cap_malloc_arenas()


def _cycle(config: CycleConfig) -> CycleSummary:
    """Check what would stop the cycle at once, then run it with its progress shown."""
    from flows.local import preflight, run_cycle  # Prefect is imported only when a cycle runs

    preflight(config)
    with watching():
        return run_cycle(config)


def print_summary(summary: CycleSummary, db_path: Path) -> None:
    """The cycle's summary, a line per stage, then each failing source with its reason."""
    print(f"run {summary.run_id}")
    print(f"  sources tried {summary.sources_tried}, failed {summary.sources_failed}")
    print(f"  articles new {summary.articles_new}, already seen {summary.articles_duplicate}, "
          f"re-read {summary.articles_unchanged}, revised {summary.articles_revised}, "
          f"failed {summary.articles_failed}")
    print(f"  stories new {summary.stories_new}, copies of known stories {summary.story_copies}")
    if summary.sources_paused:
        print(f"  paused (410 Gone; `sources enable ID` resumes): {', '.join(summary.sources_paused)}")
    if summary.sources_not_due:
        print(f"  not due yet (adaptive polling, v_source_health.next_poll_at): {len(summary.sources_not_due)}")
    print(f"  facts found {summary.facts}")
    print(f"  alerts sent {summary.alerts_sent}, queued {summary.alerts_queued}"
          + (f", dead {summary.alerts_dead}" if summary.alerts_dead else ""))
    for target in summary.deliveries:  # labels are redacted: a scheme, a server name, tags
        why = f" ({'; '.join(dict.fromkeys(target.reasons))})" if target.reasons else ""
        print(f"  → {target.label}: sent {target.sent}, failed {target.failed}{why}")
    for reason, ids in summary.failures_by_reason().items():  # details: v_source_health, fetch_log
        more = f" and {len(ids) - FAILED_SHOWN} more" if len(ids) > FAILED_SHOWN else ""
        shown = ", ".join(ids[:FAILED_SHOWN]) + more
        print(f"  ! {reason} ({len(ids)}): {shown}")
    if summary.timings:
        print("  took " + ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in summary.timings.items()))
    print(f"  database {db_path}")


@app.command()
def run(sources: Path | None = SOURCES_OPT, db: Path | None = DB_OPT) -> None:
    """Run one monitoring cycle over the sources into the database, then print a summary.

    Exit status: 0 done; 1 every source failed; 2 a bad setting or file; 3 the database could not be
    written (another cycle or writer holds it)."""
    try:
        settings = Settings.load(sources_file=sources, db_path=db)
        summary = _cycle(settings.cycle_config())
    except MonitorError as exc:
        fail(exc)
    print_summary(summary, settings.db_path)
    if summary.all_sources_failed:
        print(f"\nNo source was reachable ({summary.sources_failed} of {summary.sources_tried} failed; "
              "is this machine offline?). The reason for each source is in the fetch log:\n"
              f"  cchc-monitor sql \"select * from v_source_health\" --db {settings.db_path}\n"
              "To see a whole cycle without internet, run `make demo`.")
        raise typer.Exit(1)


@app.command()
def backfill(
    source: list[str] = typer.Option(..., "--source", help="Source id to backfill (repeatable)."),
    pages: int = typer.Option(5, "--pages", min=1, max=200, help="Listing pages to walk back through."),
    sources: Path | None = SOURCES_OPT, db: Path | None = DB_OPT,
) -> None:
    """Walk a source's listing back N pages and store every article not seen yet (same cycle as run)."""
    try:
        settings = Settings.load(sources_file=sources, db_path=db)
        summary = _cycle(settings.cycle_config().backfill(source, pages))
    except MonitorError as exc:
        fail(exc)
    print_summary(summary, settings.db_path)


@app.command()
def demo(keep_serving: bool = typer.Option(False, "--serve", help="Keep the demo portal running afterwards.")) -> None:
    """Serve a demo portal on 127.0.0.1 and run a full cycle against it; alerts go to a local mailbox."""
    from cchc_monitor.demo.runner import run_demo

    try:
        run_demo(Path("data/demo"), keep_serving=keep_serving, report=print_summary)
    except MonitorError as exc:
        fail(exc)


app.add_typer(sources.app, name="sources")
app.add_typer(alerts.app, name="alerts")
app.add_typer(digest.app, name="digest")
app.command("serve")(serve.serve)
for module in (data, files):  # after run, backfill and demo, so --help lists the cycle commands first
    module.register(app)
