"""The command line: parses flags and calls plain functions in audioguide.commands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from audioguide import __version__
from audioguide.stats import DEFAULT_DB_NAME
from audioguide.statsdb import StatsLocation, location_of

project_option = click.option(
    "--project",
    "-p",
    "project",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The tour's folder (the one with tour.yaml).",
)


class StatsDbType(click.ParamType):
    """A SQLite file, or a postgresql:// URL (which click.Path would mangle into a path)."""

    name = "PATH|URL"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> StatsLocation:
        if isinstance(value, Path | str) and str(value):
            return location_of(value)
        self.fail("give a file path or a postgresql:// URL", param, ctx)


stats_db_option = click.option(
    "--stats-db",
    type=StatsDbType(),
    envvar="AUDIOGUIDE_STATS_DB",
    default=None,
    help=f"Scan statistics: a SQLite file, or postgresql://user@host/db to share one database between"
    f" several servers [default: {DEFAULT_DB_NAME} in the project].",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="audioguide")
def cli() -> None:
    """Self-hosted audio guide: narration texts become narrated audio, captions, QR posters
    and a visitor web app."""


@cli.command(short_help="Validate the tour; list every problem as path:line.")
@project_option
@click.option("--notes", is_flag=True, help="Also list the staff notes written in the narrations.")
def check(project: Path, notes: bool) -> None:
    """Validate the tour without synthesizing; list every problem as path:line."""
    from audioguide.cli.check import run

    run(project, show_notes=notes)


@cli.command(short_help="Build narration audio, captions and posters; only what changed.")
@project_option
@click.option("--offline", is_flag=True, help="Use only local voices; never touch the network.")
@click.option("--only", "only", multiple=True, metavar="ID", help="Build only this stop (repeatable).")
@click.option("--lang", "langs", multiple=True, metavar="L", help="Build only this language (repeatable).")
@click.option(
    "--force", is_flag=True, help="Rebuild even what is up to date (the sentence cache is still used)."
)
@click.option(
    "--jobs", "-j", type=click.IntRange(min=1), default=None, help="Worker processes [default: CPU count]."
)
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable report instead of the table.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="AUDIOGUIDE_CACHE_DIR",
    default=None,
    help="Sentence cache [default: .audioguide-cache in the project].",
)
@click.option("--no-posters", is_flag=True, help="Skip the QR posters.")
@click.option("--wait", is_flag=True, help="If another build of this project is running, wait for it.")
def build(
    project: Path,
    offline: bool,
    only: tuple[str, ...],
    langs: tuple[str, ...],
    force: bool,
    jobs: int | None,
    as_json: bool,
    cache_dir: Path | None,
    no_posters: bool,
    wait: bool,
) -> None:
    """Synthesize narration audio and captions, and make the QR posters; only what changed."""
    from audioguide.cli.build import run

    run(
        project,
        offline=offline,
        only=list(only),
        langs=list(langs),
        force=force,
        jobs=jobs,
        as_json=as_json,
        cache_dir=cache_dir,
        posters=not no_posters,
        wait=wait,
    )


@cli.command(short_help="Make the printable QR posters.")
@project_option
@click.option(
    "--paper",
    type=click.Choice(["A4", "A5", "A6"], case_sensitive=False),
    default=None,
    help="Poster size [default: tour.yaml qr.paper, else A5].",
)
@click.option(
    "--force",
    is_flag=True,
    help="Rewrite every poster, as for a complete reprint: also forgets the ids of removed stops,"
    " so 'check' no longer guards their old printed codes.",
)
@click.option("--wait", is_flag=True, help="If a build of this project is running, wait for it.")
def qr(project: Path, paper: str | None, force: bool, wait: bool) -> None:
    """Make the printable QR posters (qr/posters.pdf and one SVG, PNG and PDF per stop)."""
    from audioguide.cli.qr import run

    run(project, paper=paper.upper() if paper else None, force=force, wait=wait)


# The defended limits of `audioguide serve` (docs/serving.md): flag, default, type, help.
# bench/slow_clients.py: 1,000 sockets dripping one byte every 4 s from one address lock every
# visitor out of the previous server; with these defaults visitors keep p99 at 137 ms.
_LIMITS: list[tuple[str, float, click.ParamType, str]] = [
    ("--connection-limit", 500, click.IntRange(10, 100_000), "Open connections at most."),
    (
        "--per-address-limit",
        100,
        click.IntRange(0, 100_000),
        "Open connections per client address (IPv6: per /64); at the connection limit the heaviest"
        " address gives way to others. 0 = neither. The trusted proxy is exempt.",
    ),
    (
        "--read-timeout",
        10.0,
        click.FloatRange(0, 3600),
        "Seconds a client has to send a whole request; slower connections are closed. 0 = no limit.",
    ),
    (
        "--idle-timeout",
        60,
        click.IntRange(1, 3600),
        "Seconds a keep-alive connection may sit idle between requests.",
    ),
]


def _limit_options(command: Callable[..., None]) -> Callable[..., None]:
    for flag, default, kind, text in reversed(_LIMITS):
        command = click.option(flag, default=default, show_default=True, type=kind, help=text)(command)
    return command


@cli.command(short_help="Serve the visitor pages, audio and JSON API.")
@project_option
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for all)."
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--dev", is_flag=True, help="Flask's debug server with reloading, for development only.")
@stats_db_option
@click.option(
    "--stats-origin",
    envvar="AUDIOGUIDE_STATS_ORIGIN",
    default=None,
    metavar="ORIGIN",
    help="The site (https://host) whose pages may POST scans to /api/v1/scans, e.g. the static"
    " export [default: tour.yaml stats_origin].",
)
@click.option(
    "--threads",
    # Measured with bench/serve.py at 50 clients: with 8 threads, seeking (range requests)
    # starves at ~250/s with p99 ~440 ms; 16 gives ~1,150/s with p99 ~70 ms, pages unchanged.
    default=16,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Worker threads of the production server.",
)
@_limit_options
@click.option(
    "--accel-redirect",
    metavar="PREFIX",
    default=None,
    help="Behind nginx: answer audio and captions with X-Accel-Redirect: PREFIX/<path in audio/>"
    " for nginx to send (see docs/serving.md).",
)
@click.option(
    "--print-nginx-config",
    is_flag=True,
    help="Print the locations of an nginx server block in front of this server (nginx sends the"
    " published audio, captions and photos itself) and exit.",
)
def serve(
    project: Path,
    host: str,
    port: int,
    dev: bool,
    stats_db: StatsLocation | None,
    stats_origin: str | None,
    threads: int,
    connection_limit: int,
    per_address_limit: int,
    read_timeout: float,
    idle_timeout: int,
    accel_redirect: str | None,
    print_nginx_config: bool,
) -> None:
    """Serve the visitor pages, audio and JSON API."""
    from audioguide.cli.serve import ServeLimits, nginx_config, run

    if print_nginx_config:
        click.echo(nginx_config(project, host, port, accel_redirect), nl=False)
        return
    limits = ServeLimits(connection_limit, per_address_limit, read_timeout, idle_timeout)
    run(
        project,
        host=host,
        port=port,
        dev=dev,
        stats_db=stats_db,
        stats_origin=stats_origin,
        threads=threads,
        limits=limits,
        accel_redirect=accel_redirect,
    )


@cli.command(short_help="Write the visitor site as static files, for nginx or a CDN.")
@project_option
@click.argument("destination", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--base-url",
    default=None,
    help="The address the files are served at, e.g. https://example.org/guide/"
    " [default: base_url of tour.yaml].",
)
@click.option(
    "--stats-url",
    default=None,
    help="Scans are counted by a beacon to this URL [default: stats_url of tour.yaml; none].",
)
@click.option("--verbose", "-v", is_flag=True, help="List every file written or removed.")
def export(
    project: Path, destination: Path, base_url: str | None, stats_url: str | None, verbose: bool
) -> None:
    """Write the visitor site into DESTINATION as static files: pages, audio, captions, images,
    the API documents, and _headers, _redirects and nginx.conf for the host. Only files whose bytes
    changed are rewritten; files of stops that are gone are deleted."""
    from audioguide.cli.export import run

    run(project, destination, base_url=base_url, stats_url=stats_url, verbose=verbose)


@cli.group(short_help="List and download natural Piper voices.")
def voices() -> None:
    """The Piper voice catalog: list the voices, download one with a single command.

    Voices go to the voice folder (AUDIOGUIDE_VOICES_DIR, else a per-user data folder) or
    --into DIR, e.g. the project's voices/; tour.yaml then names them, e.g.
    {piper: kk_KZ-issai-high}."""


mirror_option = click.option(
    "--mirror",
    metavar="URL",
    envvar="AUDIOGUIDE_VOICES_URL",
    default=None,
    help="A copy of the piper-voices repository (same layout) [default: its v1.0.0 release].",
)


@voices.command("list", short_help="List the voice catalog, marking installed voices.")
@project_option
@mirror_option
@click.option("--lang", metavar="L", default=None, help="Only this language, e.g. kk or kk_KZ.")
def voices_list(project: Path, mirror: str | None, lang: str | None) -> None:
    """List the Piper voice catalog: name, language, quality, speakers, download size, and
    whether the voice is installed (found by name for this project)."""
    from audioguide.cli.voices import list_voices

    list_voices(project, mirror=mirror, lang=lang)


@voices.command("get", short_help="Download voices, checked against the catalog.")
@click.argument("names", nargs=-1, required=True, metavar="NAME...")
@project_option
@mirror_option
@click.option(
    "--into",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the voices, relative to the project: 'voices' is the project's own"
    " [default: the voice folder].",
)
def voices_get(names: tuple[str, ...], project: Path, mirror: str | None, into: Path | None) -> None:
    """Download voices (model and config), checked against the catalog's size and MD5. An
    interrupted download resumes when the command is run again."""
    from audioguide.cli.voices import get_voices
    from audioguide.engines.piper import user_voices_dir

    get_voices(list(names), mirror=mirror, into=project / into if into else user_voices_dir())


# Groups of subcommands, each defined in its own module.
from audioguide.cli.stats import stats  # noqa: E402  (needs the options above)
from audioguide.cli.users import users  # noqa: E402  (needs project_option above)

cli.add_command(stats)
cli.add_command(users)

if __name__ == "__main__":
    cli()
