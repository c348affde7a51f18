"""Audio, captions, images and the app's own assets, under content-hashed URLs.

Only files listed in the snapshot are served: a request's path is looked up in a dictionary and
never joined to a folder, so no path (../, encoded or not) can reach anything else.
Range, HEAD, ETag and If-Modified-Since come from Werkzeug's send_file(conditional=True):
Safari's first probe of an audio file is `Range: bytes=0-1` and it gives up without a 206.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from flask import Blueprint, Response, abort, current_app, redirect, request, send_file
from werkzeug.http import parse_etags

from audioguide.web.bodies import respond
from audioguide.web.snapshot import MediaFile, Snapshot
from audioguide.web.state import snapshot, state

log = logging.getLogger(__name__)
bp = Blueprint("media", __name__)

YEAR = 31_536_000
IMMUTABLE = f"public, max-age={YEAR}, immutable"


def send_media(snap: Snapshot, media: MediaFile) -> Response | None:
    """Send exactly the bytes `media`'s hash names, or None when the file no longer holds them.

    One open descriptor is verified and sent, ranges included: a rename or a prune after the
    check cannot change what goes out (it used to: a rebuild renaming a new MP3 into place
    between the hash check and a second open() for the range sent new bytes under the old
    hash, with a year of `immutable` caching). Published files are content-addressed and never
    replaced in place (build/publish.py), so this check fails only for a damaged file.
    """
    try:
        handle = open(media.path, "rb")  # noqa: SIM115 - closed by the response (or below)
    except OSError:
        return None  # pruned since the snapshot was taken
    try:
        digest = snap.verifier.digest(handle)
    except OSError:
        handle.close()
        return None
    if not digest.startswith(media.sha256):
        handle.close()
        log.warning("%s does not hold the bytes its hash names; run audioguide build", media.path)
        return None
    if _if_match_fails(digest):
        handle.close()
        return _precondition_failed()
    accel = current_app.config.get("AUDIOGUIDE_ACCEL_REDIRECT")
    if accel and media.path.is_relative_to(audio_dir := snap.tour.audio_dir.resolve()):
        handle.close()  # verified; nginx sends the file (never replaced in place: same bytes)
        return _accel_redirect(accel, audio_dir, media)
    size = os.fstat(handle.fileno()).st_size
    _read_range_as_rfc_9110_says(size)
    response = send_file(handle, mimetype=media.mimetype, conditional=False, etag=digest, max_age=YEAR)
    response.content_length = size
    response.last_modified = os.fstat(handle.fileno()).st_mtime  # type: ignore[assignment]
    response = response.make_conditional(request.environ, accept_ranges=True, complete_length=size)
    response.cache_control.immutable = True
    if response.status_code == 206:
        _stream_range_from_file(response, handle)
    return response


def _accel_redirect(prefix: str, audio_dir: Path, media: MediaFile) -> Response:
    """No body: nginx sends the file from its `internal` location (ranges, HEAD, sendfile) and
    keeps these headers; routing, hashes and statistics stay with the app (docs/serving.md)."""
    relative = media.path.relative_to(audio_dir).as_posix()
    response = Response(status=200, mimetype=media.mimetype)
    response.headers["X-Accel-Redirect"] = f"{prefix}/{quote(relative)}"
    response.headers["Cache-Control"] = IMMUTABLE
    return response


def _if_match_fails(etag: str) -> bool:
    """RFC 9110 13.1.1: If-Match is evaluated before anything else (Range included), with the
    strong comparison. The header is then removed, since Werkzeug would evaluate it again and
    answer `If-Match: *` with 412."""
    header = request.environ.pop("HTTP_IF_MATCH", None)
    if not header:
        return False
    tags = parse_etags(header)
    return not (tags.star_tag or tags.contains(etag))


def _read_range_as_rfc_9110_says(size: int) -> None:
    """Werkzeug answers 416 in three cases where RFC 9110 asks otherwise: a Range in a unit
    other than bytes is ignored (14.2: 200 with the whole file), so is one of several ranges
    (a server may ignore Range; we send no multipart bodies), and a suffix longer than the file
    means the whole file (14.1.3: `bytes=-5000` of a 300-byte caption file). A malformed bytes
    range, or an unsatisfiable one, stays Werkzeug's 416."""
    header = request.environ.get("HTTP_RANGE")
    if not header:
        return
    unit, _, spec = header.partition("=")
    spec = spec.strip(" \t")
    if unit.strip(" \t").lower() != "bytes" or "," in spec:
        del request.environ["HTTP_RANGE"]
    elif spec.startswith("-") and spec[1:].isdigit() and int(spec[1:]) > size:
        request.environ["HTTP_RANGE"] = "bytes=0-"


def _precondition_failed() -> Response:
    """412 with an empty body: Werkzeug's conditional handling would send the whole file with
    it (a megabyte of MP3 to a client that asked not to get it)."""
    response = Response(b"", status=412)
    response.headers["Cache-Control"] = "no-store"
    return response


def _stream_range_from_file(response: Response, handle: BinaryIO) -> None:
    """Let the WSGI server send a 206 body straight from the file.

    Werkzeug decided the range and wrote the headers; its body is an iterator of 8 KiB reads
    that waitress pushes through a worker thread one by one (about 500 seeks/s on two cores).
    A server's `wsgi.file_wrapper` positioned at the range's first byte is sent by the server
    itself (waitress: its I/O loop; gunicorn: sendfile), stopping at Content-Length as PEP 3333
    requires. It reads a duplicate of the verified descriptor: the same file, whatever happened
    to its name since. Without a file_wrapper (the test client, Flask's dev server) nothing changes.
    """
    wrapper = request.environ.get("wsgi.file_wrapper")
    content_range = response.headers.get("Content-Range", "")
    if wrapper is None or request.method != "GET" or not content_range.startswith("bytes "):
        return
    start = int(content_range[6:].split("-", 1)[0])
    duplicate = os.fdopen(os.dup(handle.fileno()), "rb")  # closed by the server through the wrapper
    duplicate.seek(start)
    body = response.response
    response.response = wrapper(duplicate, 65536)
    if hasattr(body, "close"):
        body.close()  # Werkzeug's range iterator and the verified handle


def _lookup(prefix: str) -> Response:
    snap = snapshot()
    media = snap.media.get(request.path)
    if media is not None and request.path.startswith(prefix):
        response = send_media(snap, media)
        if response is not None:
            return response
    current = snap.current_media(request.path)
    if current is not None and current is not media:
        # A page from long before a rebuild asks for a hash no longer kept: point it at today's
        # file. Not cached, since the content at the old URL is gone.
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
