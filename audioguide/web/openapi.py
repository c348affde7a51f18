"""The OpenAPI 3.1 description of the JSON API. Its schemas are JSON Schema 2020-12; the tests
validate every answer of the API against them, and schemathesis checks the whole document
against the running API (tests/web/test_web_schemathesis.py).

The document is made per tour: `lang` enumerates the tour's languages, so that what the schema
allows is exactly what the API accepts (any other value, the empty one included, is a 400)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from audioguide import __version__

_NULLABLE_URL = {"type": ["string", "null"], "format": "uri"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERRORS = {
    "400": _json_response(
        "`lang` is not one of the tour's languages (an empty `lang=` included).", _ref("Error")
    ),
    "503": _json_response("No tour is loaded yet.", _ref("Error")),
}
# A language code, when no tour is loaded to say which ones there are.
_LANG_CODE = {"type": "string", "pattern": "^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"}


def _lang_parameter(languages: tuple[str, ...]) -> dict[str, Any]:
    return {
        "name": "lang",
        "in": "query",
        "required": False,
        "description": "Language code, one of the tour's languages; the tour's default if omitted.",
        "schema": {"type": "string", "enum": list(languages)} if languages else _LANG_CODE,
    }


SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["status", "message"],
        "properties": {"status": {"type": "integer"}, "message": {"type": "string"}},
        "additionalProperties": False,
    },
    "StopLink": {
        "type": ["object", "null"],
        "required": ["id", "number", "title", "url"],
        "properties": {
            "id": {"type": "string"},
            "number": {"type": "integer"},
            "title": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
        },
        "additionalProperties": False,
    },
    "Voice": {
        "type": ["object", "null"],
        "description": "The narration is always a synthetic voice; this says which.",
        "required": ["synthetic", "engine", "engine_name", "voice", "fallback"],
        "properties": {
            "synthetic": {"const": True},
            "engine": {"type": ["string", "null"], "examples": ["gtts", "piper", "espeak"]},
            "engine_name": {"type": ["string", "null"]},
            "voice": {"type": ["string", "null"]},
            "fallback": {
                "type": "boolean",
                "description": "A fallback engine read this, not the preferred one.",
            },
        },
        "additionalProperties": False,
    },
    "Stop": {
        "type": "object",
        "required": [
            "id",
            "number",
            "aliases",
            "lang",
            "title",
            "transcript",
            "needs_review",
            "page_url",
            "audio_url",
            "audio_type",
            "captions_url",
            "duration",
            "bytes",
            "sha256",
            "voice",
            "image",
            "location",
            "previous",
            "next",
        ],
        "properties": {
            "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"},
            "number": {"type": "integer", "minimum": 0},
            "aliases": {"type": "array", "items": {"type": "string"}},
            "lang": {
                "type": "string",
                "description": "The language of title and transcript (the asked one when written).",
            },
            "title": {"type": "string"},
            "transcript": {
                "type": "string",
                "description": "Plain text; paragraphs separated by a blank line.",
            },
            "needs_review": {
                "type": "boolean",
                "description": "The translation awaits review by a native speaker.",
            },
            "page_url": {"type": "string", "format": "uri"},
            "audio_url": {
                **_NULLABLE_URL,
                "description": "Null until built. Immutable: the URL changes with the content.",
            },
            "audio_type": {"type": ["string", "null"]},
            "captions_url": {
                **_NULLABLE_URL,
                "description": "WebVTT; cue s<n> is sentence n of the transcript.",
            },
            "duration": {"type": ["number", "null"], "minimum": 0, "description": "Seconds."},
            "bytes": {
                "type": ["integer", "null"],
                "minimum": 0,
                "description": "Size of the audio file.",
            },
            "sha256": {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$"},
            "voice": _ref("Voice"),
            "image": _NULLABLE_URL,
            "location": {
                "type": ["object", "null"],
                "required": ["lat", "lon"],
                "properties": {
                    "lat": {"type": "number", "minimum": -90, "maximum": 90},
                    "lon": {"type": "number", "minimum": -180, "maximum": 180},
                },
                "additionalProperties": False,
            },
            "previous": _ref("StopLink"),
            "next": _ref("StopLink"),
        },
        "additionalProperties": False,
    },
    "Tour": {
        "type": "object",
        "required": [
            "title",
            "titles",
            "lang",
            "default_language",
            "languages",
            "version",
            "stops",
        ],
        "properties": {
            "title": {"type": "string"},
            "titles": {"type": "object", "additionalProperties": {"type": "string"}},
            "lang": {"type": "string"},
            "default_language": {"type": "string"},
            "languages": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["code", "name", "home_url"],
                    "properties": {
                        "code": {"type": "string"},
                        "name": {"type": "string"},
                        "home_url": {"type": "string", "format": "uri"},
                    },
                    "additionalProperties": False,
                },
            },
            "version": {
                "type": "string",
                "description": "Changes whenever the tour or its audio changes.",
            },
            "stops": {"type": "array", "items": _ref("Stop")},
        },
        "additionalProperties": False,
    },
}


@lru_cache(maxsize=8)  # one per set of languages: a tour changes them rarely
def openapi_document(languages: tuple[str, ...] = ()) -> dict[str, Any]:
    """The document for a tour in `languages` (none: before a tour is loaded)."""
    lang_parameter = _lang_parameter(languages)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "audioguide API",
            "version": __version__,
            "description": "Read-only access to a tour: stops, transcripts, audio and captions."
            " Every GET allows cross-origin reads.",
        },
        "paths": {
            "/api/v1/tour": {
                "get": {
                    "summary": "The tour with every stop in one language",
                    "operationId": "getTour",
                    "parameters": [lang_parameter],
                    "responses": {"200": _json_response("The tour.", _ref("Tour")), **_ERRORS},
                }
            },
            "/api/v1/stops/{id}": {
                "get": {
                    "summary": "One stop in one language",
                    "operationId": "getStop",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "description": "The stop's id or one of its old ids (aliases).",
                            "schema": {"type": "string"},
                        },
                        lang_parameter,
                    ],
                    "responses": {
                        "200": _json_response("The stop.", _ref("Stop")),
                        "404": _json_response("No such stop.", _ref("Error")),
                        **_ERRORS,
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "getOpenApi",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1 document.",
                            "content": {"application/json": {}},
                        }
                    },
                }
            },
        },
        "components": {"schemas": SCHEMAS},
    }
