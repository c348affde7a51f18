"""audioguide check: validate the tour without synthesizing."""

from __future__ import annotations

from pathlib import Path

import click

from audioguide.published import Manifest
from audioguide.tour.diagnostics import Diagnostics, Severity
from audioguide.tour.load import format_problems, load_tour
from audioguide.tour.model import Tour
from audioguide.tour.script import Pause

# Synthetic voices speak about 140 words a minute, pauses included (`check` does not synthesize).
WORDS_PER_MINUTE = 140


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
        check_lengths(tour, diags)
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


def estimated_minutes(words: int, pauses_ms: int) -> float:
    return words / WORDS_PER_MINUTE + pauses_ms / 60_000


def check_lengths(tour: Tour, diags: Diagnostics) -> None:
    """A narration longer than audio.max_minutes is a warning: visitors rarely listen that long
    (and a long narration is long to build). Its length is estimated from its spoken words and
    its explicit pauses."""
    limit = tour.config.audio.max_minutes
    for stop in tour.stops:
        for narration in stop.narrations.values():
            words = sum(len(sentence.spoken.split()) for sentence in narration.script.sentences())
            pauses = sum(
                item.milliseconds
                for block in narration.script.blocks
                for item in block.items
                if isinstance(item, Pause)
            )
            minutes = estimated_minutes(words, pauses)
            if minutes > limit:
                diags.warning(
                    narration.path,
                    1,
                    f"about {round(minutes)} minutes; visitors rarely listen that long: "
                    "split it into stops or raise audio.max_minutes",
                )
