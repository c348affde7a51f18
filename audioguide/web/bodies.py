"""Prepared response bodies: bytes rendered once, gzipped once, answered many times.

A stop page is the same for every visitor, so it is rendered once per snapshot and language;
each request then only picks the bytes (gzipped if the phone accepts it) and compares ETags.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass

from flask import Request, Response

MIN_GZIP = 512  # smaller bodies are not worth a Content-Encoding


@dataclass(frozen=True)
class Body:
    data: bytes
    gzipped: bytes | None
    etag: str  # quoted strong ETag, ready for the header
    mimetype: str

    @classmethod
    def of(cls, data: bytes | str, mimetype: str) -> Body:
        raw = data.encode() if isinstance(data, str) else data
        packed = gzip.compress(raw, compresslevel=9, mtime=0) if len(raw) >= MIN_GZIP else None
        if packed is not None and len(packed) >= len(raw):
            packed = None
        return cls(raw, packed, f'"{hashlib.sha256(raw).hexdigest()[:20]}"', mimetype)


def body_headers(body: Body, cache_control: str) -> dict[str, str]:
    return {"ETag": body.etag, "Cache-Control": cache_control, "Vary": "Accept-Encoding"}


def respond(body: Body, request: Request, cache_control: str, status: int = 200) -> Response:
    """The body as a response, 304 when the visitor already has it; HEAD gets headers only."""
    headers = body_headers(body, cache_control)
    if_none_match = request.headers.get("If-None-Match")
    if status == 200 and if_none_match and (body.etag in if_none_match or if_none_match.strip() == "*"):
        return Response(status=304, headers=headers)
    data = body.data
    if body.gzipped is not None and "gzip" in request.headers.get("Accept-Encoding", ""):
        data = body.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(data, status=status, headers=headers, content_type=body.mimetype)
