"""audioguide stats: scans per stop, language and day (nothing about visitors is stored), and
`stats import`, which counts the scans in web server access logs (for a static export)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import click
from click.core import ParameterSource

from audioguide.cli import project_option, stats_db_option
from audioguide.errors import AudioguideError, ContentError
from audioguide.stats import ScanRow, import_log, read_scans, stats_db_path, summarize
from audioguide.statsdb import StatsLocation, describe


@click.group(invoke_without_command=True, short_help="Show scans per stop, language and day.")
@project_option
@stats_db_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--days", type=click.IntRange(min=1), default=None, help="Only the last N days.")
@click.pass_context
def stats(
    ctx: click.Context, project: Path, stats_db: StatsLocation | None, as_json: bool, days: int | None
) -> None:
    """Show how many visitors scanned each stop, per language and day.

    `audioguide stats import LOG...` counts the scans in web server access logs."""
    if ctx.invoked_subcommand is None:
        run(project, stats_db=stats_db, as_json=as_json, days=days)


@stats.command("import", short_help="Count QR scans from web server access logs.")
@click.argument("logs", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--prefix",
    default=None,
    metavar="PATH",
    help="The path the guide is served under, e.g. /guide [default: the path of tour.yaml base_url].",
)
@project_option
@stats_db_option
@click.pass_context
def import_command(
    ctx: click.Context,
    logs: tuple[Path, ...],
    prefix: str | None,
    project: Path,
    stats_db: StatsLocation | None,
) -> None:
    """Count the QR scans in access logs of nginx, Apache or a CDN (common or combined format,
    .gz too). Each line is counted once, however often a log (or its rotated copy) is imported."""
    # `stats --project X import LOG` and `stats import --project X LOG` both work.
    if ctx.get_parameter_source("project") is ParameterSource.DEFAULT:
        project = ctx.parent.params["project"] if ctx.parent else project
    if stats_db is None and ctx.parent:
        stats_db = ctx.parent.params["stats_db"]
    import_logs(project, list(logs), stats_db=stats_db, prefix=prefix)


def run(project: Path, *, stats_db: StatsLocation | None, as_json: bool, days: int | None) -> None:
    path = stats_db_path(project, stats_db)
    rows = read_scans(path, days=days)
    if as_json:
        click.echo(json.dumps(summarize(rows), ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(f"No scans counted yet ({describe(path)}).")
        return
    click.echo(format_table(rows, _order(project, rows)))


def import_logs(
    project: Path, logs: list[Path], *, stats_db: StatsLocation | None, prefix: str | None
) -> None:
    from audioguide.tour.load import format_problems, load_tour

    tour, diags = load_tour(project)
    if tour is None:
        raise ContentError(format_problems(diags))
    stops = {stop.id: stop.id for stop in tour.stops}
    stops |= {alias: stop.id for stop in tour.stops for alias in stop.aliases}
    if prefix is None:
        prefix = urlsplit(tour.base_url).path
    prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
    path = stats_db_path(project, stats_db)
    for log in logs:
        try:
            counted, skipped = import_log(path, log, stops=stops, languages=tour.languages, prefix=prefix)
        except (OSError, EOFError, UnicodeError) as exc:  # a truncated .gz, an unreadable file
            raise AudioguideError(f"{log}: cannot read it as an access log: {exc}") from exc
        already = _plural(skipped, "line")
        click.echo(f"{log}: {_plural(counted, 'scan')} counted, {already} already counted before")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _order(project: Path, rows: list[ScanRow]) -> tuple[list[str], dict[str, int]]:
    """Languages in the tour's order and stop numbers, when the tour can be read."""
    from audioguide.tour.load import load_tour

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
