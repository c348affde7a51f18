"""The hot path without Flask: a GET of a page that is already rendered.

A QR scan ends on a stop page, and a stop page is the same bytes for everyone, so once Flask
has rendered it the answer needs no routing, no request object and no template: this WSGI
middleware looks the path up in the current snapshot's PageCache (cache.py) and answers with
the prepared bytes and headers (about three times less work per request). Anything else,
including conditional requests, query strings and HEAD, goes to Flask, which stays the
reference: tests compare both answers header by header.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.http import dump_cookie, http_date

from audioguide.web.cache import SiteCache
from audioguide.web.negotiation import LANG_COOKIE, LANG_COOKIE_MAX_AGE
from audioguide.web.snapshot import Site

_LANG_IN_COOKIE = re.compile(r"(?:^|;)\s*" + LANG_COOKIE + r"=([A-Za-z-]+)")
StartResponse = Callable[..., Any]


def language_cookie(lang: str, secure: bool) -> str:
    """The Set-Cookie value pages send; shared with the Flask path so both stay identical."""
    return dump_cookie(
        LANG_COOKIE,
        lang,
        max_age=LANG_COOKIE_MAX_AGE,
        samesite="Lax",
        httponly=True,
        secure=secure,
    )


class FastPages:
    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], site: Site, caches: SiteCache) -> None:
        self.wsgi_app = wsgi_app
        self.site = site
        self.caches = caches

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if (
            environ["REQUEST_METHOD"] == "GET"
            and not environ.get("QUERY_STRING")
            and "HTTP_IF_NONE_MATCH" not in environ
        ):
            snap = self.site.current()
            page = self.caches.of(snap).fast_page(environ.get("PATH_INFO", "")) if snap else None
            if page is not None:
                body, lang = page.body, page.lang
                data = body.data
                headers = [*page.headers, ("Date", http_date())]
                if body.gzipped is not None and "gzip" in environ.get("HTTP_ACCEPT_ENCODING", ""):
                    data = body.gzipped
                    headers.append(("Content-Encoding", "gzip"))
                headers.append(("Content-Length", str(len(data))))
                remembered = _LANG_IN_COOKIE.search(environ.get("HTTP_COOKIE", ""))
                if remembered is None or remembered.group(1) != lang:
                    secure = environ.get("wsgi.url_scheme") == "https"
                    headers.append(("Set-Cookie", language_cookie(lang, secure)))
                start_response("200 OK", headers)
                return [data]
        return self.wsgi_app(environ, start_response)
