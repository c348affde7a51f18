"""Headers every response carries, and cross-origin reads for the API and the media.

The pages load nothing from another origin and run no inline script, so the policy can be
strict: only this site's own files, no plugins, no framing, no inline code.
"""

from __future__ import annotations

from flask import Flask, Response, request

from audioguide.web.beacon import SCANS_PATH

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "media-src 'self'",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    # Links in narrations may lead elsewhere; they must not tell which stop a visitor was at.
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
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
