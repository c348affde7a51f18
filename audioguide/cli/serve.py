"""audioguide serve: the visitor pages, audio and API, with a production WSGI server.

Waitress by default (see docs/serving.md for why); Flask's debug server only with --dev.
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import click

from audioguide.errors import AudioguideError, ContentError
from audioguide.published import Manifest
from audioguide.stats import check_database, stats_db_path
from audioguide.statsdb import StatsLocation
from audioguide.tour.load import format_problems, load_tour
from audioguide.tour.schema import ORIGIN_HINT, web_origin

# Behind a reverse proxy (TLS), set this to the proxy's address so that the API's absolute URLs
# use the scheme and host the visitor used (X-Forwarded-Proto/-Host/-Port), and the studio sees
# https (Secure cookies) and the client's address (X-Forwarded-For).
TRUSTED_PROXY_ENV = "AUDIOGUIDE_TRUSTED_PROXY"


@dataclass(frozen=True)
class ServeLimits:
    """The defended limits of the production server; defaults and help in cli/__init__.py."""

    connections: int  # waitress stops accepting at this many open connections
    per_address: int  # per IPv4 address or IPv6 /64; 0 = no cap and no fair share
    read_timeout: float  # seconds for a request head and body to arrive; 0 = none
    idle_timeout: int  # seconds a keep-alive connection may sit idle between requests


def run(
    project: Path,
    *,
    host: str,
    port: int,
    dev: bool,
    stats_db: StatsLocation | None,
    threads: int,
    limits: ServeLimits,
    stats_origin: str | None = None,
    accel_redirect: str | None = None,
) -> None:
    from audioguide.web import create_app

    origin = web_origin(stats_origin) if stats_origin else None
    if stats_origin and origin is None:
        raise click.BadParameter(ORIGIN_HINT.format(key="--stats-origin"), param_hint="--stats-origin")
    project = project.resolve()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    tour, diags = load_tour(project)
    if tour is None:
        raise ContentError(format_problems(diags))
    if diags.errors:
        # A typo in one narration must not take the whole guide offline; show it, serve the rest.
        click.echo(format_problems(diags), err=True)
        click.echo("Serving anyway; fix the errors and the pages update by themselves.", err=True)
    manifest = Manifest.load(tour.audio_dir)
    for problem in manifest.problems:
        click.echo(problem, err=True)
    if not manifest.narrations:
        click.echo("No audio built yet: run 'audioguide build'. Pages are served without it.", err=True)

    database = stats_db_path(project, stats_db)
    problem = check_database(database)
    if problem:
        # Visitors matter more than the counts: say what is wrong and serve anyway.
        click.echo(f"Warning: {problem}", err=True)

    app = create_app(project, stats_db=database, stats_origin=origin, accel_redirect=accel_redirect)
    url = f"http://{'localhost' if host in ('0.0.0.0', '::') else host}:{port}/"
    if dev:
        click.echo(f"Development server (not for visitors) on {url}")
        app.run(host=host, port=port, debug=True, use_reloader=True, threaded=True)
        return

    from audioguide.web import guard

    # systemd and Docker stop a service with SIGTERM; exiting through SystemExit runs the atexit
    # hook that writes the last scan counts.
    def stop(signum: int, frame: FrameType | None) -> None:
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    # Waitress logs a warning for every request that waits for a thread; under a burst of
    # visitors that is thousands of lines a second, which slows the server it reports on.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    options: dict[str, object] = {}
    exempt: frozenset[str] = frozenset()
    proxy = os.environ.get(TRUSTED_PROXY_ENV)
    if proxy:
        options = {
            "trusted_proxy": proxy,
            # x-forwarded-for: the staff studio limits failed sign-ins per client address and
            # writes it in its audit log; visitors' addresses are never stored.
            "trusted_proxy_headers": "x-forwarded-for x-forwarded-proto x-forwarded-host x-forwarded-port",
        }
        # Every visitor arrives through the proxy: its address must not be capped.
        exempt = frozenset({guard.address_key(proxy)})
    per_address = 0 if proxy == "*" else limits.per_address
    try:
        server = guard.create_server(
            app,
            limits=guard.Limits(per_address=per_address, read_timeout=limits.read_timeout, exempt=exempt),
            host=host,
            port=port,
            threads=threads,
            ident="audioguide",
            asyncore_use_poll=True,  # select() stops at 1024 sockets
            connection_limit=limits.connections,
            # Slow phones on a weak signal hold a connection open; waitress buffers for them.
            channel_timeout=limits.idle_timeout,
            # How often idle connections and overdue requests are looked for: every second, so
            # that a read deadline of 10 s closes a slow client after 10 to 11 s.
            cleanup_interval=1,
            # The app answers only GET and HEAD: no request has a body worth more than this, and
            # a browser's request head is a few KB (waitress's defaults are 1 GB and 256 KB).
            max_request_body_size=64 * 1024,
            max_request_header_size=64 * 1024,
            **options,
        )
    except OSError as exc:
        raise AudioguideError(_bind_problem(exc, host, port)) from None
    click.echo(f"Serving {tour.config.title.get(tour.default_language, '')} on {url}")
    server.run()


def nginx_config(project: Path, host: str, port: int, accel_redirect: str | None) -> str:
    """The server block's locations for nginx in front of this server (export/proxy.py)."""
    from audioguide.export.proxy import live_nginx_config

    tour, diags = load_tour(project.resolve())
    if tour is None:
        raise ContentError(format_problems(diags))
    address = "127.0.0.1" if host == "0.0.0.0" else "[::1]" if host == "::" else host
    address = f"[{address}]" if ":" in address and not address.startswith("[") else address
    return live_nginx_config(tour.audio_dir, f"http://{address}:{port}", accel_redirect)


def _bind_problem(exc: OSError, host: str, port: int) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            f"port {port} on {host} is already in use: stop the other server, or choose another"
            f" port with --port {port + 1 if port < 65535 else 8000}"
        )
    if exc.errno == errno.EACCES:
        return f"not allowed to listen on port {port}: use a port above 1023 (--port 8000) or a proxy"
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}; check --host and --port"
