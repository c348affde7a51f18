"""POST /api/v1/scans: a scan counted for a page this server did not serve.

The static export (`audioguide export`) has no Python behind it, so its scan page reports the
scan itself: `navigator.sendBeacon(stats_url, JSON.stringify({stop, lang}))`. sendBeacon sends
a string as text/plain (a "simple" request, no preflight); a Blob of application/json is
preflighted; forms send form-encoded fields. All three are read the same way here.

Like a live scan it stores only (day, stop, language): no cookie is read or set, and the
client's address is used only in memory, by the rate limit. Only the configured origin
(tour.yaml `stats_origin` or `--stats-origin`) gets CORS headers, never with credentials, and a
browser posting from any other site is refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import BadRequest, Forbidden, NotFound

from audioguide.web.state import snapshot, state

bp = Blueprint("beacon", __name__, url_prefix="/api/v1")

SCANS_PATH = "/api/v1/scans"
# Per client address: a family scanning every stop stays far below it; someone inflating the
# counts is held to a trickle. Phones behind one museum Wi-Fi share an address, so not lower.
BEACON_LIMIT = "30 per minute"
MAX_BODY = 1024  # {"stop": ..., "lang": ...} is a few dozen bytes
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
USAGE = 'send {"stop": "<stop id>", "lang": "<language code>"}'

# Its own limiter, not the studio's: each keeps its counters per app, in memory (a restart
# forgets them, which is fine for a limit counted in a minute).
limiter = Limiter(
    key_func=get_remote_address, storage_uri="memory://", strategy="moving-window", headers_enabled=True
)


def allowed_origin() -> str | None:
    """--stats-origin, else tour.yaml's `stats_origin` (so an edit applies without a restart)."""
    web = state()
    if web.stats_origin:
        return web.stats_origin
    current = web.site.current()
    return (current.tour.config.stats_origin or None) if current else None


def _same_site(origin: str) -> bool:
    return urlsplit(origin).netloc == request.host


def _fields() -> tuple[str, str]:
    if request.mimetype in FORM_TYPES:
        data: object = request.form
    else:
        # text/plain from sendBeacon, application/json from fetch(), or no type at all.
        try:
            data = json.loads(request.get_data(cache=False) or b"null")
        except (ValueError, UnicodeDecodeError):
            raise BadRequest(f"the body is not JSON: {USAGE}") from None
    if not isinstance(data, Mapping):
        raise BadRequest(USAGE)
    stop, lang = data.get("stop"), data.get("lang")
    if not isinstance(stop, str) or not isinstance(lang, str) or not stop or not lang:
        raise BadRequest(USAGE)
    return stop, lang


@bp.post("/scans")
@limiter.limit(BEACON_LIMIT)
def record_scan() -> Response:
    """Count one scan of a known stop in one of the tour's languages; 204, nothing to read."""
    request.max_content_length = MAX_BODY  # a longer body is refused with 413 while it is read
    origin = request.headers.get("Origin")
    allowed = allowed_origin()
    if origin and origin != allowed and not _same_site(origin):
        # CORS alone would only hide the answer: a text/plain POST from any site is still sent.
        elsewhere = f" and {allowed}" if allowed else " (tour.yaml stats_origin names another site)"
        raise Forbidden(f"scans are accepted from this site's pages{elsewhere}")
    stop_id, lang = _fields()
    snap = snapshot()
    stop = snap.find(stop_id)
    if stop is None:  # like GET /api/v1/stops/<id>: a well-formed request for what is not there
        raise NotFound(f"no stop '{stop_id[:80]}'")
    if lang not in snap.tour.languages:
        raise BadRequest(f"unknown language '{lang[:20]}'; this tour has {', '.join(snap.tour.languages)}")
    state().counter.record(stop.id, lang)  # an alias is counted under the current id
    response = Response(status=204)
    response.headers["Cache-Control"] = "no-store"
    return response


def cors(response: Response) -> Response:
    """CORS for the beacon: the configured origin only, and never with credentials (no cookie
    is wanted here). Applies to every answer of the path, errors and preflights included."""
    if request.path != SCANS_PATH:
        return response
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    if origin and origin == allowed_origin():
        response.headers["Access-Control-Allow-Origin"] = origin
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Max-Age"] = "86400"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.after_request(cors)
    limiter.init_app(app)
