"""audioguide build: show the build's events (progress bar, notices), then the report."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import click

from audioguide.build.pipeline import BuildOptions, BuildReport, BuildStopped, Finished, Notice, build
from audioguide.build.voices import check_engine_names
from audioguide.errors import BuildError
from audioguide.tour.load import require_tour


def run(
    project: Path,
    *,
    offline: bool,
    only: list[str],
    langs: list[str],
    force: bool,
    jobs: int | None,
    as_json: bool,
    cache_dir: Path | None,
    posters: bool,
    wait: bool = False,
) -> None:
    # Unknown engine names are listed with every other problem of the tour, at their lines.
    tour, diags = require_tour(project, check_engine_names)
    for warning in diags.warnings:
        click.echo(str(warning), err=True)
    options = BuildOptions(offline, only, langs, force, jobs, cache_dir, posters, wait=wait)
    show_bar = not as_json and sys.stdout.isatty()
    notices: list[Notice] = []
    finished: Finished | None = None
    stopped: BuildStopped | None = None
    with contextlib.ExitStack() as stack:
        bar = None
        try:
            for event in build(tour, options):
                if isinstance(event, Finished):
                    finished = event
                elif isinstance(event, Notice):
                    if bar is not None:
                        notices.append(event)  # shown after the bar, which would overwrite them
                    else:
                        _echo_notice(event)
                elif show_bar:
                    if bar is None:
                        bar = stack.enter_context(click.progressbar(length=event.total, label="Building"))
                    bar.length = event.total
                    bar.update(event.done - bar.pos)  # the event's own count: never drifts
        except BuildStopped as exc:  # a write failed: the summary of what was done, then why
            stopped = exc
    for notice in notices:
        _echo_notice(notice)
    if stopped is not None:
        finished = Finished(stopped.report)
    assert finished is not None, "the build ended without its Finished event"
    report, poster_report = finished.report, finished.posters
    for warning in poster_report.warnings if poster_report else []:
        click.echo(f"warning: {warning}", err=True)
    poster_results = list(poster_report or [])
    if as_json:
        document = _json_report(report, poster_results)
        document["error"] = stopped.message if stopped else None
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        _print_summary(report, poster_results)
    if stopped is not None:
        raise stopped
    if report.failed:
        names = ", ".join(f"{n.stop_id} ({n.lang})" for n in report.failed)
        raise BuildError(f"{len(report.failed)} narration(s) failed and kept their previous audio: {names}")


def _echo_notice(notice: Notice) -> None:
    click.secho(notice.text, err=True, fg="yellow" if notice.level == "warning" else None, bold=True)


def _json_report(report: BuildReport, posters: list) -> dict:
    return {
        "narrations": [n.as_dict() for n in report.narrations],
        "sentences_synthesized": report.sentences_synthesized,
        "sentences_cached": report.sentences_cached,
        "engine_seconds": round(report.engine_seconds, 3),
        "seconds": round(report.seconds, 3),
        "workers": report.workers,
        "removed": report.removed,
        "images_built": report.images_built,
        "posters": [{"stop": p.stop_id, "status": p.status} for p in posters],
    }


def _print_summary(report: BuildReport, posters: list) -> None:
    rows = [("stop", "lang", "status", "engine", "voice", "duration")]
    for n in report.narrations:
        duration = f"{n.duration:.1f}s" if n.duration is not None else "-"
        status = n.status + (" (fallback)" if n.fallback and n.status != "failed" else "")
        rows.append((n.stop_id, n.lang, status, n.engine or "-", n.voice or "-", duration))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            click.echo("  ".join("-" * width for width in widths))
    for n in report.failed:
        click.secho(f"FAILED {n.stop_id} ({n.lang}): {n.error}", err=True, fg="red")
    built = sum(1 for n in report.narrations if n.status == "built")
    unchanged = sum(1 for n in report.narrations if n.status == "unchanged")
    posters_built = sum(1 for p in posters if p.status == "built")
    click.echo(
        f"{built} built, {unchanged} unchanged, {len(report.failed)} failed;"
        f" {report.sentences_synthesized} sentences synthesized, {report.sentences_cached} from cache;"
        f" {posters_built} poster(s) written; {report.seconds:.1f}s"
    )
    if report.images_built:
        click.echo(f"photos resized: {', '.join(report.images_built)}")
    if report.removed:
        click.echo(f"removed stale audio: {', '.join(report.removed)}")
