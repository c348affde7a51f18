"""JSON API for apps: /api/v1/tour and /api/v1/stops/<id>, described at /api/v1/openapi.json.

URLs in answers are absolute (built from the address the client used), so an app can fetch them
as they are. Errors are {"status": <code>, "message": "..."}.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import BadRequest, NotFound

from audioguide.i18n import translate
from audioguide.tour.model import Stop
from audioguide.web.openapi import openapi_document
from audioguide.web.render import ENGINE_NAMES, content_language, stop_title
from audioguide.web.snapshot import MediaFile, Snapshot
from audioguide.web.state import snapshot

bp = Blueprint("api", __name__, url_prefix="/api/v1")

API_CACHE = "public, max-age=60"  # short: a rebuild shows within a minute


def _url(path: str) -> str:
    return request.host_url.rstrip("/") + path


def _language(snap: Snapshot) -> str:
    lang = request.args.get("lang") or snap.tour.default_language
    if lang not in snap.tour.languages:
        raise BadRequest(f"unknown language '{lang}'; this tour has {', '.join(snap.tour.languages)}")
    return lang


def _link(snap: Snapshot, stop: Stop | None, lang: str) -> dict[str, Any] | None:
    if stop is None:
        return None
    return {
        "id": stop.id,
        "number": stop.number,
        "title": stop_title(snap, stop, lang),
        "url": _url(f"/api/v1/stops/{stop.id}?lang={lang}"),
    }


def _file(media: MediaFile | None) -> str | None:
    return _url(media.url) if media else None


def stop_document(snap: Snapshot, stop: Stop, lang: str) -> dict[str, Any]:
    content_lang = content_language(snap, stop, lang)
    narration = stop.narrations.get(content_lang)
    narrated = snap.narrated.get((stop.id, content_lang))
    previous, following = snap.neighbours(stop)
    image = snap.images.get(stop.id)
    location = stop.config.location
    return {
        "id": stop.id,
        "number": stop.number,
        "aliases": list(stop.aliases),
        "lang": content_lang,
        "title": narration.title if narration else stop.id,
        # What the audio says (the manifest), or the text file while nothing is built.
        "transcript": (narrated and narrated.plain_text())
        or (narration.script.plain_text() if narration else ""),
        "needs_review": bool(narration and narration.needs_review),
        "page_url": _url(f"/{lang}/{stop.id}"),
        "audio_url": _file(narrated.audio) if narrated else None,
        "audio_type": narrated.audio.mimetype if narrated else None,
        "captions_url": _file(narrated.captions) if narrated else None,
        "duration": narrated.duration if narrated else None,
        "bytes": narrated.audio.bytes if narrated else None,
        "sha256": narrated.audio.sha256 if narrated else None,
        "voice": {
            "synthetic": True,
            "engine": narrated.engine,
            "engine_name": ENGINE_NAMES.get(narrated.engine or "", narrated.engine),
            "voice": narrated.voice,
            "fallback": narrated.fallback,
        }
        if narrated
        else None,
        "image": _file(image),
        "location": {"lat": location.lat, "lon": location.lon} if location else None,
        "previous": _link(snap, previous, lang),
        "next": _link(snap, following, lang),
    }


def _json(document: Any, status: int = 200) -> Response:
    response = jsonify(document)
    response.status_code = status
    response.headers["Cache-Control"] = API_CACHE
    return response


@bp.get("/tour")
def tour() -> Response:
    snap = snapshot()
    lang = _language(snap)
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
            "stops": [stop_document(snap, stop, lang) for stop in snap.tour.stops],
        }
    )


@bp.get("/stops/<stop_id>")
def stop(stop_id: str) -> Response:
    snap = snapshot()
    found = snap.find(stop_id)
    if found is None:
        raise NotFound(f"no stop '{stop_id}'")
    return _json(stop_document(snap, found, _language(snap)))


@bp.get("/openapi.json")
def openapi() -> Response:
    return _json(openapi_document())


def error_response(status: int, message: str) -> Response:
    response = jsonify({"status": status, "message": message})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
