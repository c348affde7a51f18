"""audioguide check: validate the tour without synthesizing."""

from __future__ import annotations

from pathlib import Path

import click

from audioguide.published import Manifest
from audioguide.tour.diagnostics import Severity
from audioguide.tour.load import format_problems, load_tour


def run(project: Path, *, show_notes: bool = False) -> None:
    tour, diags = load_tour(project)
    if tour is not None:
        from audioguide.build.recordings import check_recordings
        from audioguide.build.voices import check_voices
        from audioguide.qr.check import check_printed_ids

        check_printed_ids(tour, diags)
        check_voices(tour, diags)
        check_recordings(tour, diags)
        # A damaged manifest crashes nothing (it counts as not built), but staff should know.
        manifest = Manifest.load(tour.audio_dir)
        for problem in manifest.problems:
            diags.warning(manifest.path, 0, problem.removeprefix(f"{manifest.path}: "))
    for diagnostic in diags.sorted():
        if diagnostic.severity is not Severity.NOTE or show_notes:
            click.echo(str(diagnostic), err=diagnostic.severity is Severity.ERROR)
    notes = [d for d in diags.items if d.severity is Severity.NOTE]
    if notes and not show_notes:
        click.echo(
            f"{len(notes)} staff note(s) in the narrations; list them with 'audioguide check --notes'."
        )
    if diags.errors:
        raise click.ClickException(format_problems(diags).splitlines()[-1])
    stops = len(tour.stops) if tour else 0
    click.echo(f"OK: {stops} stops, {len(diags.warnings)} warning(s).")
