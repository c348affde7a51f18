"""Headers every response carries, and cross-origin reads for the API and the media.

The pages load nothing from another origin, so the policy can be strict: only this site's own
files, no plugins, no framing, and inline code only where named by its SHA-256: the stop page's
one-line text-size script (assets.TEXT_SIZE_SCRIPT), and the stylesheet and app.js themselves,
inline in the page a first QR scan gets (pages.py; the hashes are computed once, at start, from
the same bytes).
"""

from __future__ import annotations

from flask import Flask, Response, request

from audioguide.web.assets import TEXT_SIZE_SCRIPT, csp_hash, packaged
from audioguide.web.beacon import SCANS_PATH

STYLE_HASH = csp_hash(packaged("style.css"))
SCRIPT_HASHES = f"{csp_hash(TEXT_SIZE_SCRIPT.encode())} {csp_hash(packaged('app.js'))}"


def content_security_policy(connect_to: tuple[str, ...] = ()) -> str:
    """The pages' policy; `connect_to`: origins beyond this site that scripts may send to (the
    scan beacon of an exported site, see audioguide.export)."""
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src 'self' {SCRIPT_HASHES}",
            f"style-src 'self' {STYLE_HASH}",
            "img-src 'self'",
            # blob: the player's own stream of this site's audio (app.js: Media Source Extensions).
            "media-src 'self' blob:",
            " ".join(["connect-src 'self'", *connect_to]),
            "worker-src 'self'",
            "manifest-src 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def security_headers(connect_to: tuple[str, ...] = ()) -> tuple[tuple[str, str], ...]:
    """Every response's security headers; the export writes the same ones into its host files."""
    return (
        ("Content-Security-Policy", content_security_policy(connect_to)),
        ("X-Content-Type-Options", "nosniff"),
        # Links in narrations may lead elsewhere; they must not tell which stop a visitor was at.
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
        # The site plan's "Where am I?" asks for the position (after a tap): this site only.
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    )


CONTENT_SECURITY_POLICY = content_security_policy()
SECURITY_HEADERS: tuple[tuple[str, str], ...] = security_headers()
# Public, read-only resources that apps and other sites may fetch (the API, audio, captions).
# The scan beacon is not one: it answers only its configured origin (beacon.py).
CORS_PREFIXES = ("/api/", "/media/", "/img/")
CORS_HEADERS: tuple[tuple[str, str], ...] = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS"),
    ("Access-Control-Allow-Headers", "Range, If-None-Match, If-Modified-Since"),
    ("Access-Control-Expose-Headers", "Content-Range, Accept-Ranges, Content-Length, ETag"),
    ("Access-Control-Max-Age", "86400"),
)


def add_headers(response: Response) -> Response:
    headers = response.headers
    for name, value in SECURITY_HEADERS:
        headers.setdefault(name, value)
    if request.path.startswith(CORS_PREFIXES) and request.path != SCANS_PATH:
        for name, value in CORS_HEADERS:
            headers[name] = value
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_headers)
