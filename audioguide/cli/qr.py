"""audioguide qr: make the printable QR posters (also part of audioguide build)."""

from __future__ import annotations

from pathlib import Path

import click

from audioguide.build.lock import build_lock
from audioguide.build.report import write_failure_message
from audioguide.errors import AudioguideError, PaperSizeError
from audioguide.qr import PosterResult, build_posters
from audioguide.tour.load import require_tour
from audioguide.tour.model import Tour


def run(project: Path, *, paper: str | None, force: bool, wait: bool = False) -> None:
    tour, _ = require_tour(project)
    with build_lock(tour.root, "audioguide qr", wait=wait, on_wait=_say_waiting):
        _make_posters(tour, paper=paper, force=force)


def _say_waiting(holder: str) -> None:
    click.echo(f"{holder} is building this project; waiting for it to finish", err=True)


def _make_posters(tour: Tour, *, paper: str | None, force: bool) -> None:
    def show(result: PosterResult) -> None:
        click.echo(f"  {result.number:>3}  {result.stop_id:<28} {result.status}")

    # --force rewrites every poster and starts a new print run: codes of deleted stops are
    # forgotten, since the posters that carried them have been replaced.
    try:
        report = build_posters(tour, paper=paper, force=force, reprint=force, progress=show)
    except PaperSizeError as exc:
        raise click.BadParameter(exc.message, param_hint="--paper") from exc
    except OSError as exc:  # disk full, read-only: what and why, not a traceback
        raise AudioguideError(write_failure_message(exc, tour.root, "audioguide qr")) from exc
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for path in report.removed:
        shown = path.relative_to(tour.root).as_posix()
        click.echo(f"  removed {shown} (its stop no longer exists)")
    built = sum(1 for r in report if r.status == "built")
    if report:
        versions = sorted({r.version for r in report})
        widest = max(report, key=lambda r: r.version)
        module_mm = widest.symbol_mm / (17 + 4 * widest.version)
        click.echo(
            f"{report.sheet.relative_to(tour.root).as_posix()}: {len(report)} poster(s) on"
            f" {report.paper}, {built} rebuilt, {len(report) - built} unchanged;"
            f" codes {widest.symbol_mm / 10:.1f} cm wide, QR version"
            f" {'/'.join(map(str, versions))}, modules of {module_mm:.1f} mm or more."
        )
        click.echo("Print at 100 % (actual size), not 'fit to page'.")
    else:
        click.echo("No stops, no posters.")
