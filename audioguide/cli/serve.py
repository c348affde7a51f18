"""audioguide serve: the visitor pages, audio and API, with a production WSGI server.

Waitress by default (see docs/serving.md for why); Flask's debug server only with --dev.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path
from types import FrameType

import click

from audioguide.errors import ContentError
from audioguide.published import Manifest
from audioguide.tour.load import format_problems, load_tour

# Behind a reverse proxy (TLS), set this to the proxy's address so that the API's absolute URLs
# use the scheme and host the visitor used (X-Forwarded-Proto/-Host/-Port), and the studio sees
# https (Secure cookies) and the client's address (X-Forwarded-For).
TRUSTED_PROXY_ENV = "AUDIOGUIDE_TRUSTED_PROXY"


def run(
    project: Path,
    *,
    host: str,
    port: int,
    dev: bool,
    stats_db: Path | None,
    threads: int,
    accel_redirect: str | None = None,
) -> None:
    from audioguide.web import create_app

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

    app = create_app(project, stats_db=stats_db, accel_redirect=accel_redirect)
    url = f"http://{'localhost' if host in ('0.0.0.0', '::') else host}:{port}/"
    if dev:
        click.echo(f"Development server (not for visitors) on {url}")
        app.run(host=host, port=port, debug=True, use_reloader=True, threaded=True)
        return

    import waitress

    # systemd and Docker stop a service with SIGTERM; exiting through SystemExit runs the atexit
    # hook that writes the last scan counts.
    def stop(signum: int, frame: FrameType | None) -> None:
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    # Waitress logs a warning for every request that waits for a thread; under a burst of
    # visitors that is thousands of lines a second, which slows the server it reports on.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    options: dict[str, object] = {}
    proxy = os.environ.get(TRUSTED_PROXY_ENV)
    if proxy:
        options = {
            "trusted_proxy": proxy,
            # x-forwarded-for: the staff studio limits failed sign-ins per client address and
            # writes it in its audit log; visitors' addresses are never stored.
            "trusted_proxy_headers": "x-forwarded-for x-forwarded-proto x-forwarded-host x-forwarded-port",
        }
    click.echo(f"Serving {tour.config.title.get(tour.default_language, '')} on {url}")
    waitress.serve(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="audioguide",
        asyncore_use_poll=True,  # select() stops at 1024 sockets
        connection_limit=500,
        # Slow phones on a weak signal hold a connection open; waitress buffers for them.
        channel_timeout=60,
        **options,
    )
