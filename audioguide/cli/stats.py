"""audioguide stats: scans per stop, language and day (nothing about visitors is stored)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from audioguide.stats import ScanRow, read_scans, stats_db_path, summarize
from audioguide.tour.load import load_tour


def run(project: Path, *, stats_db: Path | None, as_json: bool, days: int | None) -> None:
    path = stats_db_path(project, stats_db)
    rows = read_scans(path, days=days)
    if as_json:
        click.echo(json.dumps(summarize(rows), ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(f"No scans counted yet ({path}).")
        return
    click.echo(format_table(rows, _order(project, rows)))


def _order(project: Path, rows: list[ScanRow]) -> tuple[list[str], dict[str, int]]:
    """Languages in the tour's order and stop numbers, when the tour can be read."""
    tour, _ = load_tour(project)
    langs = list(tour.languages) if tour else []
    langs += sorted({row.lang for row in rows} - set(langs))
    numbers = {stop.id: stop.number for stop in tour.stops} if tour else {}
    return langs, numbers


def format_table(rows: list[ScanRow], order: tuple[list[str], dict[str, int]]) -> str:
    """One line per day and stop, one column per language, totals at the bottom."""
    langs, numbers = order
    cells: dict[tuple[str, str], dict[str, int]] = {}
    for row in rows:
        cells.setdefault((row.day, row.stop), {})[row.lang] = row.count
    stop_names = {stop: f"{numbers[stop]:>2} {stop}" if stop in numbers else stop for _, stop in cells}
    width = max([len("Stop"), *map(len, stop_names.values())])
    header = f"{'Day':<10}  {'Stop':<{width}}" + "".join(f"  {lang:>6}" for lang in langs) + "   Total"
    lines = [header, "-" * len(header)]
    totals = dict.fromkeys(langs, 0)
    days = sorted({day for day, _ in cells}, reverse=True)
    for day in days:
        stops = sorted((stop for d, stop in cells if d == day), key=lambda s: (numbers.get(s, 0), s))
        for stop in stops:
            counts = cells[day, stop]
            for lang, count in counts.items():
                totals[lang] += count
            columns = "".join(f"  {counts.get(lang, 0):>6}" for lang in langs)
            lines.append(f"{day:<10}  {stop_names[stop]:<{width}}{columns}  {sum(counts.values()):>6}")
    lines.append("-" * len(header))
    columns = "".join(f"  {totals[lang]:>6}" for lang in langs)
    lines.append(f"{'Total':<10}  {'':<{width}}{columns}  {sum(totals.values()):>6}")
    return "\n".join(lines)
