"""audioguide voices list / get: the Piper voice catalog and one-command downloads."""

from __future__ import annotations

from pathlib import Path

import click

from audioguide.engines.catalog import catalog_url, download_voice, find_voice, is_installed, load_catalog


def list_voices(project: Path, *, mirror: str | None, lang: str | None) -> None:
    from audioguide.engines.piper import available_voices

    base = catalog_url(mirror)
    catalog = load_catalog(base)
    installed = available_voices(project)
    wanted = lang.lower().replace("-", "_") if lang else None
    voices = [
        v
        for key, v in sorted(catalog.items())
        if wanted is None or wanted in (v.family.lower(), v.language.lower())
    ]
    if not voices:
        click.echo(f"No voice for '{lang}' in the catalog at {base}.")
        return
    rows = [("name", "language", "quality", "speakers", "size", "installed")]
    for v in voices:
        language = f"{v.language} ({v.language_name})" if v.language_name else v.language
        size = f"{v.size / 1e6:.0f} MB"
        rows.append(
            (v.key, language, v.quality, str(v.num_speakers), size, "yes" if v.key in installed else "")
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            click.echo("  ".join("-" * width for width in widths))
    click.echo(f"{len(voices)} voice(s); get one with: audioguide voices get NAME")


def get_voices(names: list[str], *, mirror: str | None, into: Path) -> None:
    base = catalog_url(mirror)
    catalog = load_catalog(base)
    chosen = [find_voice(catalog, name) for name in names]  # every name checked before any download
    for voice in chosen:
        if is_installed(voice, into):
            click.echo(f"{voice.key} is already in {into}.")
            continue
        with click.progressbar(
            length=voice.size,
            label=f"{voice.key} ({voice.size / 1e6:.0f} MB)",
            file=click.get_text_stream("stderr"),
        ) as bar:
            model = download_voice(voice, base, into, lambda done, _total: bar.update(done - bar.pos))
        speakers = f"; speakers: {', '.join(voice.speakers)}" if voice.speakers else ""
        click.echo(f"{voice.key} installed: {model}{speakers}")
