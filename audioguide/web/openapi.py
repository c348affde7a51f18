"""The OpenAPI 3.1 description of the JSON API. Its schemas are JSON Schema 2020-12; the tests
validate every answer of the API against them."""

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


def _lang_schema(languages: tuple[str, ...]) -> dict[str, Any]:
    """The document is made per tour: `lang` enumerates the tour's languages, so that what the
    schema allows is exactly what the API accepts (any other value, the empty one included, is
    a 400); schemathesis checks it against the running API (tests/web/test_web_schemathesis.py)."""
    return {"type": "string", "enum": list(languages)} if languages else _LANG_CODE


def _lang_parameter(languages: tuple[str, ...]) -> dict[str, Any]:
    return {
        "name": "lang",
        "in": "query",
        "required": False,
        "description": "Language code, one of the tour's languages; the tour's default if omitted.",
        "schema": _lang_schema(languages),
    }


SCHEMAS: dict[str, Any] = {
    "ScanBeacon": {
        "type": "object",
        "required": ["stop", "lang"],
        "properties": {
            "stop": {
                "type": "string",
                "minLength": 1,
                "maxLength": 200,
                "description": "The stop's id or one of its old ids (aliases).",
            },
            "lang": {"type": "string", "description": "One of the tour's languages."},
        },
    },
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
        "description": "Who reads the narration: a synthetic voice (which engine and voice), or a"
        " person's recording (engine 'recording').",
        "required": ["synthetic", "engine", "engine_name", "voice", "fallback", "narrator"],
        "properties": {
            "synthetic": {
                "type": "boolean",
                "description": "True for a computer-generated voice, false for a recording of a person.",
            },
            "engine": {
                "type": ["string", "null"],
                "examples": ["gtts", "piper", "espeak", "recording"],
            },
            "engine_name": {"type": ["string", "null"]},
            "voice": {
                "type": ["string", "null"],
                "description": "The engine's voice; for a recording the narrator, else its file name.",
            },
            "fallback": {
                "type": "boolean",
                "description": "A fallback engine read this, not the preferred one.",
            },
            "narrator": {
                "type": ["string", "null"],
                "description": "Who read a recording, when the tour names them; null otherwise.",
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


_BEACON_BODY = {"schema": _ref("ScanBeacon")}
_SCAN_BEACON: dict[str, Any] = {
    "summary": "Count one scan (what the static export's pages send with navigator.sendBeacon)",
    "description": "Counted like a scan of /s/{id}: only the day, stop and language are stored."
    " CORS headers are sent to the origin configured as tour.yaml stats_origin (or --stats-origin)"
    " only, never with credentials; no cookie is set. Limited to 30 a minute per address.",
    "operationId": "postScan",
    "requestBody": {
        "required": True,
        "description": "The same fields as JSON, as a JSON string sent as text/plain (sendBeacon),"
        " or form-encoded. At most 1024 bytes.",
        "content": {
            "application/json": _BEACON_BODY,
            "text/plain": {
                "schema": {"type": "string", "contentMediaType": "application/json"}
            },  # per tour below
            "application/x-www-form-urlencoded": _BEACON_BODY,
        },
    },
    "responses": {
        "204": {"description": "Counted."},
        "400": _json_response("Not JSON, or an unknown language, or a field missing.", _ref("Error")),
        "404": _json_response("No stop with that id or old id.", _ref("Error")),
        "403": _json_response("Sent by a page of a site that is not the configured origin.", _ref("Error")),
        "413": _json_response("The body is longer than 1024 bytes.", _ref("Error")),
        "429": _json_response(
            "Too many scans from this address; Retry-After says when to try again.", _ref("Error")
        ),
        "503": _json_response("No tour is loaded yet.", _ref("Error")),
    },
}
_LANG_IN_PATH = {
    "name": "lang",
    "in": "path",
    "required": True,
    "description": "Language code, one of the tour's languages.",
    "schema": _LANG_CODE,
}
_ID_IN_PATH = {
    "name": "id",
    "in": "path",
    "required": True,
    "description": "The stop's id or one of its old ids (aliases).",
    "schema": {"type": "string"},
}
_NOT_FOUND = _json_response("No such stop or language.", _ref("Error"))
# The path forms hold the same documents as the query forms, at addresses a static copy of the
# site can hold as files (audioguide export); links in them use the path form too.
PATH_FORM_PATHS: dict[str, Any] = {
    "/api/v1/{lang}/tour.json": {
        "get": {
            "summary": "The tour with every stop in one language (path form)",
            "operationId": "getTourByPath",
            "parameters": [_LANG_IN_PATH],
            "responses": {"200": _json_response("The tour.", _ref("Tour")), "404": _NOT_FOUND},
        }
    },
    "/api/v1/{lang}/stops/{id}.json": {
        "get": {
            "summary": "One stop in one language (path form)",
            "operationId": "getStopByPath",
            "parameters": [_LANG_IN_PATH, _ID_IN_PATH],
            "responses": {"200": _json_response("The stop.", _ref("Stop")), "404": _NOT_FOUND},
        }
    },
}


@lru_cache(maxsize=8)  # one per set of languages and forms: a tour changes them rarely
def openapi_document(languages: tuple[str, ...] = (), query_forms: bool = True) -> dict[str, Any]:
    """The document for a tour in `languages` (none: before a tour is loaded). The live server
    answers both forms; a static export only the path forms."""
    document = _document(languages)
    if not query_forms:
        document["paths"] = {
            path: item
            for path, item in document["paths"].items()
            if "{lang}" in path or path.endswith("openapi.json")
        }
    return document


def _schemas_for(languages: tuple[str, ...]) -> dict[str, Any]:
    """SCHEMAS with the tour's languages where a request names one (the scan beacon)."""
    beacon = SCHEMAS["ScanBeacon"]
    properties = {**beacon["properties"], "lang": {**beacon["properties"]["lang"], **_lang_schema(languages)}}
    return {**SCHEMAS, "ScanBeacon": {**beacon, "properties": properties}}


def _beacon_for(languages: tuple[str, ...]) -> dict[str, Any]:
    """The beacon operation; its text/plain body (what navigator.sendBeacon sends) is the JSON
    object spelled out as a pattern, so that what the document allows is what is accepted."""
    lang = "|".join(languages) if languages else "[a-z]{2,3}(-[A-Za-z0-9]{2,8})*"
    plain = {
        "type": "string",
        "contentMediaType": "application/json",
        "pattern": '^\\{"stop": ?"[a-z0-9-]{1,100}", ?"lang": ?"(' + lang + ')"\\}$',
    }
    body = {
        **_SCAN_BEACON["requestBody"],
        "content": {**_SCAN_BEACON["requestBody"]["content"], "text/plain": {"schema": plain}},
    }
    return {**_SCAN_BEACON, "requestBody": body}


def _document(languages: tuple[str, ...]) -> dict[str, Any]:
    lang_parameter = _lang_parameter(languages)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "audioguide API",
            "version": __version__,
            "description": "Read-only access to a tour: stops, transcripts, audio and captions,"
            " and one write: POST /api/v1/scans counts a scan (the beacon of the static export)."
            " Every GET allows cross-origin reads; the beacon allows only the configured origin.",
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
                    "parameters": [_ID_IN_PATH, lang_parameter],
                    "responses": {
                        "200": _json_response("The stop.", _ref("Stop")),
                        "404": _json_response("No such stop.", _ref("Error")),
                        **_ERRORS,
                    },
                }
            },
            "/api/v1/scans": {"post": _beacon_for(languages)},
            **PATH_FORM_PATHS,
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
        "components": {"schemas": _schemas_for(languages)},
    }
