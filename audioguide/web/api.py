"""JSON API for apps: /api/v1/tour and /api/v1/stops/<id>, described at /api/v1/openapi.json.

Each document has two addresses: `?lang=` (the query form) and `/api/v1/<lang>/...json` (the path
form), which a static export can hold as a file (audioguide.export); links inside a document use
the form it was asked by. URLs in answers are absolute (built from the address the client used,
with its path prefix), so an app can fetch them as they are. Errors are
{"status": <code>, "message": "..."}.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import BadRequest, NotFound

from audioguide.i18n import translate
from audioguide.web.cache import PageCache
from audioguide.web.openapi import openapi_document
from audioguide.web.snapshot import MediaFile, Snapshot
from audioguide.web.state import page_cache, state
from audioguide.web.views import StopLink, StopView

bp = Blueprint("api", __name__, url_prefix="/api/v1")

API_CACHE = "public, max-age=60"  # short: a rebuild shows within a minute


# The path forms: the same documents at addresses without a query string.
PATH_FORMS = {
    "api.tour_by_path": "/api/v1/{lang}/tour.json",
    "api.stop_by_path": "/api/v1/{lang}/stops/{id}.json",
}


def _url(path: str) -> str:
    return request.url_root.rstrip("/") + path


def stop_api_path(stop_id: str, lang: str, *, path_form: bool) -> str:
    if path_form:
        return PATH_FORMS["api.stop_by_path"].format(lang=lang, id=stop_id)
    return f"/api/v1/stops/{stop_id}?lang={lang}"


def _language(snap: Snapshot) -> str:
    """`lang`, or the tour's default when it is absent; an empty `lang=` is refused like any
    other unknown value, as the OpenAPI document says."""
    lang = request.args.get("lang", snap.tour.default_language)
    if lang not in snap.tour.languages:
        raise BadRequest(f"unknown language '{lang}'; this tour has {', '.join(snap.tour.languages)}")
    return lang


def _link(link: StopLink | None, lang: str) -> dict[str, Any] | None:
    if link is None:
        return None
    return {
        "id": link.id,
        "number": link.number,
        "title": link.title,
        "url": _url(stop_api_path(link.id, lang, path_form=request.endpoint in PATH_FORMS)),
    }


def _file(media: MediaFile | None) -> str | None:
    return _url(media.url) if media else None


def stop_document(view: StopView) -> dict[str, Any]:
    """A stop for apps: the same StopView the stop page is rendered from, with absolute URLs."""
    stop, lang, narrated, location = view.stop, view.lang, view.narrated, view.location
    return {
        "id": stop.id,
        "number": stop.number,
        "aliases": list(stop.aliases),
        "lang": view.content_lang,
        "title": view.title,
        "transcript": view.transcript,
        "needs_review": view.needs_review,
        "page_url": _url(f"/{lang}/{stop.id}"),
        "audio_url": _file(narrated.audio) if narrated else None,
        "audio_type": narrated.audio.mimetype if narrated else None,
        "captions_url": _file(narrated.captions) if narrated else None,
        "duration": view.duration,
        "bytes": narrated.audio.bytes if narrated else None,
        "sha256": narrated.audio.sha256 if narrated else None,
        "voice": {
            "synthetic": not view.recorded,
            "engine": narrated.engine,
            "engine_name": view.engine_name,
            "voice": narrated.voice,
            "fallback": narrated.fallback,
            "narrator": view.narrator,
        }
        if narrated
        else None,
        "image": _file(view.image.src if view.image else None),
        "location": {"lat": location.lat, "lon": location.lon} if location else None,
        "previous": _link(view.previous, lang),
        "next": _link(view.next, lang),
    }


def _json(document: Any, status: int = 200) -> Response:
    response = jsonify(document)
    response.status_code = status
    response.headers["Cache-Control"] = API_CACHE
    return response


def _language_in_path(snap: Snapshot, lang: str) -> str:
    if lang not in snap.tour.languages:
        raise NotFound(f"unknown language '{lang}'; this tour has {', '.join(snap.tour.languages)}")
    return lang


@bp.get("/tour")
def tour() -> Response:
    cache = page_cache()
    return _tour(cache, _language(cache.snapshot))


@bp.get("/<lang>/tour.json")
def tour_by_path(lang: str) -> Response:
    cache = page_cache()
    return _tour(cache, _language_in_path(cache.snapshot, lang))


def _tour(cache: PageCache, lang: str) -> Response:
    snap = cache.snapshot
    config = snap.tour.config
    return _json(
        {
            "title": config.title.get(lang, ""),
            "titles": dict(config.title),
            "lang": lang,
            "default_language": snap.tour.default_language,
            "languages": [
                {
                    "code": code,
                    "name": translate(code, "language_name"),
                    "home_url": _url(f"/{code}/"),
                }
                for code in snap.tour.languages
            ],
            "version": snap.version,
            "stops": [stop_document(view) for view in cache.views(lang).values()],
        }
    )


@bp.get("/stops/<stop_id>")
def stop(stop_id: str) -> Response:
    cache = page_cache()
    found = cache.snapshot.find(stop_id)
    if found is None:
        raise NotFound(f"no stop '{stop_id}'")
    return _json(stop_document(cache.view(found, _language(cache.snapshot))))


@bp.get("/<lang>/stops/<stop_id>.json")
def stop_by_path(lang: str, stop_id: str) -> Response:
    cache = page_cache()
    lang = _language_in_path(cache.snapshot, lang)
    found = cache.snapshot.find(stop_id)
    if found is None:
        raise NotFound(f"no stop '{stop_id}'")
    return _json(stop_document(cache.view(found, lang)))


@bp.get("/openapi.json")
def openapi() -> Response:
    current = state().site.current()  # served before the first build too, without the languages
    return _json(openapi_document(tuple(current.tour.languages) if current else ()))


def error_response(status: int, message: str, headers: Iterable[tuple[str, str]] = ()) -> Response:
    """The JSON error; `headers` are the HTTP error's own (Allow on a 405, Retry-After, ...),
    which the answer must keep, less the ones describing the HTML body it replaces."""
    response = jsonify({"status": status, "message": message})
    response.status_code = status
    for name, value in headers:
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    return response
