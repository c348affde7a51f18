"""Audio, captions, images and the app's own assets, under content-hashed URLs.

Only files listed in the snapshot are served: a request's path is looked up in a dictionary and
never joined to a folder, so no path (../, encoded or not) can reach anything else.
Range, HEAD, ETag and If-Modified-Since come from Werkzeug's send_file(conditional=True):
Safari's first probe of an audio file is `Range: bytes=0-1` and it gives up without a 206.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, request, send_file
from werkzeug.http import parse_etags

from audioguide.web.bodies import respond
from audioguide.web.snapshot import MediaFile, Snapshot
from audioguide.web.state import snapshot, state

bp = Blueprint("media", __name__)

YEAR = 31_536_000
IMMUTABLE = f"public, max-age={YEAR}, immutable"


def send_media(snap: Snapshot, media: MediaFile) -> Response:
    try:
        verified = snap.holds_its_hash(media)
        if _if_match_fails(media.sha256 if verified else None):
            return _precondition_failed()
        _ignore_unknown_range_unit()
        if not verified:
            return _send_unverified(media)
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
    if response.status_code == 206:
        _stream_range_from_file(response, media)
    return response


def _if_match_fails(etag: str | None) -> bool:
    """RFC 9110 13.1.1: If-Match is evaluated before anything else (Range included), with the
    strong comparison; a file without a trusted ETag matches only `*`. The header is then
    removed, since Werkzeug would evaluate it again and answer `If-Match: *` with 412."""
    header = request.environ.pop("HTTP_IF_MATCH", None)
    if not header:
        return False
    tags = parse_etags(header)
    return not (tags.star_tag or (etag is not None and tags.contains(etag)))


def _ignore_unknown_range_unit() -> None:
    """RFC 9110 14.2: a Range in a unit other than bytes is ignored (200 with the whole file);
    Werkzeug answers it 416. A malformed bytes range stays Werkzeug's 416."""
    unit = request.environ.get("HTTP_RANGE", "").partition("=")[0].strip(" \t")
    if unit and unit.lower() != "bytes":
        del request.environ["HTTP_RANGE"]


def _precondition_failed() -> Response:
    """412 with an empty body: Werkzeug's conditional handling would send the whole file with
    it (a megabyte of MP3 to a client that asked not to get it)."""
    response = Response(b"", status=412)
    response.headers["Cache-Control"] = "no-store"
    return response


def _send_unverified(media: MediaFile) -> Response:
    """The file changed since the manifest described it (a build is running): send what is
    there, but let no cache keep it under this content-hashed URL."""
    response = send_file(media.path, mimetype=media.mimetype, conditional=True, etag=False)
    response.headers["Cache-Control"] = "no-store"
    response.headers.pop("Last-Modified", None)
    return response


def _stream_range_from_file(response: Response, media: MediaFile) -> None:
    """Let the WSGI server send a 206 body straight from the file.

    Werkzeug decided the range and wrote the headers; its body is an iterator of 8 KiB reads
    that waitress pushes through a worker thread one by one (about 500 seeks/s on two cores).
    A server's `wsgi.file_wrapper` positioned at the range's first byte is sent by the server
    itself (waitress: its I/O loop; gunicorn: sendfile), stopping at Content-Length as PEP 3333
    requires. Without a file_wrapper (the test client, Flask's dev server) nothing changes.
    """
    wrapper = request.environ.get("wsgi.file_wrapper")
    content_range = response.headers.get("Content-Range", "")
    if wrapper is None or request.method != "GET" or not content_range.startswith("bytes "):
        return
    start = int(content_range[6:].split("-", 1)[0])
    handle = open(media.path, "rb")  # noqa: SIM115 - closed by the server through the wrapper
    handle.seek(start)
    body = response.response
    response.response = wrapper(handle, 65536)
    if hasattr(body, "close"):
        body.close()  # Werkzeug's range iterator and its own file handle


def _lookup(prefix: str) -> Response:
    snap = snapshot()
    media = snap.media.get(request.path)
    if media is not None and request.path.startswith(prefix):
        return send_media(snap, media)
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
