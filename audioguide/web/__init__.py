"""The visitor web app: stop pages, audio, the offline tour and the JSON API.

create_app() builds a Flask app for one tour folder. It reads only what `audioguide build`
wrote (tour.yaml, stops/, audio/manifest.json and the files it lists) and notices a rebuild
by itself: no restart needed.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, render_template, request
from werkzeug.exceptions import HTTPException

from audioguide import studio
from audioguide.i18n import FALLBACK, STRINGS, translate
from audioguide.stats import ScanCounter, stats_db_path
from audioguide.statsdb import StatsLocation
from audioguide.web import api, beacon, media, pages, security
from audioguide.web.assets import Assets
from audioguide.web.cache import SiteCache
from audioguide.web.fastpath import FastPages
from audioguide.web.snapshot import Site
from audioguide.web.state import EXTENSION, WebState, state


def create_app(
    project: Path | None = None,
    *,
    stats_db: StatsLocation | None = None,
    stats_origin: str | None = None,
    testing: bool = False,
    check_interval: float | None = None,
    stats_flush_interval: float | None = None,
    accel_redirect: str | None = None,
    with_studio: bool = True,
) -> Flask:
    """The app for the tour in `project` (default: the current folder).

    `check_interval`: seconds between looks at the files for a rebuild (default 1; 0 in tests).
    `stats_flush_interval`: seconds between writes of scan counts (default 5; 0 in tests).
    `stats_origin`: the site whose pages may POST scans (default: tour.yaml `stats_origin`).
    `accel_redirect`: answer audio and captions with `X-Accel-Redirect: <prefix>/<path in audio/>`
    and no body, for nginx to send the bytes (docs/serving.md).
    `with_studio`: False for an app that only renders the visitor site (audioguide export).
    """
    root = (project or Path.cwd()).resolve()
    app = Flask(__name__, static_folder=None)
    app.config.update(TESTING=testing, AUDIOGUIDE_ACCEL_REDIRECT=(accel_redirect or "").rstrip("/"))
    app.json.sort_keys = False  # type: ignore[attr-defined]  # the API keeps its documented order
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    site = Site(root, check_interval=(0.0 if testing else 1.0) if check_interval is None else check_interval)
    counter = ScanCounter(
        stats_db_path(root, stats_db),
        flush_interval=(0.0 if testing else 5.0) if stats_flush_interval is None else stats_flush_interval,
    )
    assets = Assets.load()
    caches = SiteCache(site, assets)
    app.extensions[EXTENSION] = WebState(site, counter, assets, caches, stats_origin)
    app.register_blueprint(pages.bp)
    app.register_blueprint(media.bp)
    app.register_blueprint(api.bp)
    beacon.init_app(app)
    security.init_app(app)
    # The staff studio at /studio (sign-in, roles, overview); the visitor pages never use it.
    if with_studio:
        studio.init_app(app, root, stats_db=counter.path)
    app.register_error_handler(HTTPException, _http_error)
    app.wsgi_app = FastPages(app.wsgi_app, site, caches)  # type: ignore[method-assign]
    return app


def _http_error(error: HTTPException) -> Response | HTTPException:
    code = error.code or 500
    if request.path.startswith("/api/"):
        return api.error_response(code, error.description or error.name, error.get_headers())
    loaded = state().site.current() is not None
    if code == 404 and request.method in ("GET", "HEAD") and loaded:
        return pages.not_found_page()
    if code == 503 or not loaded:
        lang = request.args.get("lang", "")
        lang = lang if lang in STRINGS else FALLBACK
        message = translate(lang, "not_ready")
        response = Response(render_template("unavailable.html", lang=lang, message=message), 503)
        response.headers["Retry-After"] = "30"
        return response
    return error  # e.g. 416 with its Content-Range header, 405 with Allow
