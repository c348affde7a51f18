"""Audio, captions, images and the app's own assets, under content-hashed URLs.

Only files listed in the snapshot are served: a request's path is looked up in a dictionary and
never joined to a folder, so no path (../, encoded or not) can reach anything else.
Range, HEAD, ETag and If-Modified-Since come from Werkzeug's send_file(conditional=True):
Safari's first probe of an audio file is `Range: bytes=0-1` and it gives up without a 206.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, request, send_file

from audioguide.web.bodies import respond
from audioguide.web.site import MediaFile
from audioguide.web.state import snapshot, state

bp = Blueprint("media", __name__)

YEAR = 31_536_000
IMMUTABLE = f"public, max-age={YEAR}, immutable"


def send_media(media: MediaFile) -> Response:
    try:
        response = send_file(
            media.path,
            mimetype=media.mimetype,
            conditional=True,
            # The manifest's content hash: rebuilding identical audio keeps visitors' caches valid.
            etag=media.sha256,
            max_age=YEAR,
        )
    except FileNotFoundError:  # removed by a rebuild since the snapshot was taken
        abort(404)
    response.cache_control.immutable = True
    return response


def _lookup(prefix: str) -> Response:
    snap = snapshot()
    media = snap.media.get(request.path)
    if media is not None and request.path.startswith(prefix):
        return send_media(media)
    current = snap.current_media(request.path)
    if current is not None:
        # A page from before a rebuild asks for the old hash: point it at today's file. Not
        # cached, since the content at the old URL is gone.
        response = redirect(current.url, 302)
        response.headers["Cache-Control"] = "no-store"
        return response
    abort(404)


@bp.get("/media/<digest>/<path:name>")
def media_file(digest: str, name: str) -> Response:
    return _lookup("/media/")


@bp.get("/img/<digest>/<stop_id>/<name>")
def image(digest: str, stop_id: str, name: str) -> Response:
    return _lookup("/img/")


@bp.get("/a/<digest>/<name>")
def asset(digest: str, name: str) -> Response:
    body = state().assets.by_url.get(request.path)
    if body is None:
        abort(404)
    return respond(body, request, IMMUTABLE)
