"""audioguide check: validate the tour without synthesizing."""

from __future__ import annotations

from pathlib import Path

import click

from audioguide.tour.diagnostics import Diagnostics, Severity
from audioguide.tour.load import format_problems, load_tour
from audioguide.tour.model import Tour


def run(project: Path, *, show_notes: bool = False) -> None:
    tour, diags = load_tour(project)
    if tour is not None:
        from audioguide.qr.check import check_printed_ids

        check_printed_ids(tour, diags)
        check_voices(tour, diags)
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


def check_voices(tour: Tour, diags: Diagnostics) -> None:
    """Every configured voice must exist (an uninstalled Piper voice, a typo in an eSpeak voice);
    only a chain with no usable engine at all is an error, since the build falls back."""
    from audioguide.engines import get_engine
    from audioguide.errors import EngineError

    chains = [(tour.root / "tour.yaml", tour.config.voice_lines, tour.config.voices)]
    chains += [(s.path / "stop.yaml", s.config.voice_lines, s.config.voices) for s in tour.stops]
    for path, lines, voices in chains:
        for lang, chain in voices.items():
            problems = []
            line = lines.get(lang, 0)
            for choice in chain:
                try:
                    get_engine(choice.engine).resolve(lang, choice.voice, tour.root, choice.speaker)
                except EngineError as exc:
                    if exc.unreachable:
                        problems.append(f"{choice}: {exc}")
                    else:  # the voice is there but misconfigured: a speaker it does not have
                        diags.error(path, line, f"voices.{lang}: {choice}: {exc}")
            if len(problems) == len(chain):
                diags.error(path, line, f"no voice for '{lang}' can be used: {'; '.join(problems)}")
            for problem in problems if len(problems) < len(chain) else []:
                diags.warning(path, line, f"voices.{lang}: {problem} (the build will fall back)")
