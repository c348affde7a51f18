"""The Flask app the export freezes: the live visitor app, with static stand-ins where the live
answer depends on the request.

- `/s/<id>` (every QR code) and `/`: the live server picks the language from the cookie and
  Accept-Language (and answers with the stop page, or redirects to the home page). A file
  cannot, so the export holds a small page whose script
  (static/pick.js, an external asset: the CSP allows no inline code) picks the language the
  visitor chose before (localStorage `lang`, which app.js keeps), else `navigator.languages`,
  else the tour's default, sends the scan beacon if a stats URL is set, and goes on. Without
  JavaScript it is a list of the languages.
- `/go?n=` (the keypad): a page whose script finds the number in the offline list.
- `/api/v1/openapi.json`: describes the path forms, the only API addresses a file can have.
- `/404.html` and the host files (`_headers`, `_redirects`, `nginx.conf`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, render_template, request

from audioguide.i18n import translate
from audioguide.tour.model import Stop
from audioguide.web import create_app
from audioguide.web.api import API_CACHE
from audioguide.web.assets import TYPES as ASSET_TYPES
from audioguide.web.assets import minify
from audioguide.web.bodies import Body, respond
from audioguide.web.media import IMMUTABLE
from audioguide.web.openapi import openapi_document
from audioguide.web.pages import PAGE_CACHE
from audioguide.web.render import HTML, _common, format_megabytes
from audioguide.web.state import page_cache
from audioguide.web.views import StopLink

from .hosts import netlify_headers, netlify_redirects, nginx_snippet

EXTENSION = "audioguide-export"
STATIC_DIR = Path(__file__).parent / "static"
SCRIPTS = ("pick.js",)

bp = Blueprint("export", __name__, template_folder="templates")


@dataclass(frozen=True)
class ExportState:
    base_url: str  # where the export is served, without a trailing slash
    prefix: str  # its path, "" at the root of a host
    stats_url: str
    scripts: dict[str, Body]  # URL -> the export's own scripts, hashed like the app's assets
    script_urls: dict[str, str]  # name -> URL


def _export() -> ExportState:
    return current_app.extensions[EXTENSION]


def _load_scripts() -> tuple[dict[str, Body], dict[str, str]]:
    bodies, urls = {}, {}
    for name in SCRIPTS:
        data = minify(name, (STATIC_DIR / name).read_bytes())
        url = f"/a/{hashlib.sha256(data).hexdigest()[:12]}/{name}"
        bodies[url], urls[name] = Body.of(data, ASSET_TYPES[".js"]), url
    return bodies, urls


def export_app(project: Path, stats_db: Path, *, base_url: str, prefix: str, stats_url: str) -> Flask:
    # One snapshot for the whole export (no reload while it runs): the pages and the files they
    # name come from the same build. The scan counter is never used; its file is never created.
    app = create_app(project, stats_db=stats_db, check_interval=24 * 3600.0, with_studio=False)
    scripts, script_urls = _load_scripts()
    app.extensions[EXTENSION] = ExportState(base_url, prefix, stats_url, scripts, script_urls)
    app.register_blueprint(bp)
    views = app.view_functions
    views["media.asset"] = _asset_or(views["media.asset"])
    views["pages.scan"] = scan_page
    views["pages.root"] = root_page
    views["pages.typed_number"] = typed_number_page
    views["api.openapi"] = openapi_page
    return app


def _asset_or(live_asset: Any) -> Any:
    def asset(digest: str, name: str) -> Response:
        body = _export().scripts.get(request.path)
        if body is None:
            return live_asset(digest=digest, name=name)
        return respond(body, request, IMMUTABLE)

    return asset


def _picker(template: str, switch_path: str, **context: Any) -> Response:
    cache = page_cache()
    tour = cache.snapshot.tour
    lang = tour.default_language
    export = _export()
    html = render_template(
        template,
        **_common(tour, cache.assets, lang, "pick", switch_path),
        languages=" ".join(tour.languages),
        pick_js=export.script_urls["pick.js"],
        stats_url=export.stats_url,
        **context,
    )
    return respond(Body.of(html, HTML), request, PAGE_CACHE)


def scan_page(stop_id: str) -> Response:
    """What a QR code opens in the export: the stop in the visitor's language."""
    snap = page_cache().snapshot
    stop: Stop | None = snap.find(stop_id)
    if stop is None or stop_id not in (stop.id, *stop.aliases):
        abort(404)
    link = StopLink.of(snap, stop, snap.tour.default_language)
    return _picker("export/pick.html", stop.id, heading=f"{link.number}. {link.title}", stop=stop.id)


def root_page() -> Response:
    return _picker("export/pick.html", "", heading=None, stop="")


def typed_number_page() -> Response:
    cache = page_cache()
    tour = cache.snapshot.tour
    lang = tour.default_language
    missing = [(code, translate(code, "no_such_stop")) for code in tour.languages]
    # The home page of the default language (keypad, list of stops: what works without JS), whose
    # script looks the number up, or says in the visitor's language that there is no such stop.
    size = sum(item["bytes"] for item in cache.offline_files(lang, include_home=False))
    stops = [view.link for view in cache.views(lang).values()]
    return _picker(
        "export/go.html",
        "",
        stops=stops,
        offline_size=format_megabytes(size, lang),
        missing=missing,
        message=None,
    )


def openapi_page() -> Response:
    document = dict(openapi_document(query_forms=False))
    document["servers"] = [{"url": _export().base_url}]
    response = jsonify(document)
    response.headers["Cache-Control"] = API_CACHE
    return response


@bp.get("/404.html")
def not_found_file() -> Response:
    """What a static host answers for an unknown address (the live 404 page, default language)."""
    cache = page_cache()
    return respond(cache.not_found(cache.snapshot.tour.default_language), request, PAGE_CACHE)


def _text(content: str) -> Response:
    return Response(content, mimetype="text/plain")


@bp.get("/_headers")
def headers_file() -> Response:
    export = _export()
    return _text(netlify_headers(page_cache().snapshot, export.prefix, export.stats_url))


@bp.get("/_redirects")
def redirects_file() -> Response:
    return _text(netlify_redirects(page_cache().snapshot, _export().prefix))


@bp.get("/nginx.conf")
def nginx_file() -> Response:
    export = _export()
    return _text(nginx_snippet(page_cache().snapshot, export.prefix, export.stats_url))
