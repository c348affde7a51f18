"""audioguide export: the visitor site as static files, with the host files beside them."""

from __future__ import annotations

from pathlib import Path

import click

from audioguide.export import ExportDone, ExportOptions, export_site


def run(
    project: Path, destination: Path, *, base_url: str | None, stats_url: str | None, verbose: bool
) -> None:
    options = ExportOptions(project, destination, base_url=base_url, stats_url=stats_url)
    for event in export_site(options):
        if isinstance(event, ExportDone):
            click.echo(
                f"Exported {event.files} files ({event.bytes / 1_000_000:.1f} MB) to {event.destination}"
                f" for {event.base_url}/: {event.written} written, {event.files - event.written} unchanged,"
                f" {len(event.removed)} removed."
            )
            for name in event.removed if verbose else ():
                click.echo(f"  removed {name}")
        elif verbose and event.changed:
            click.echo(f"  wrote {event.path}")
