"""Which language a visitor gets: ?lang=, their earlier choice, the browser, the tour's default.

The earlier choice is a `lang` cookie holding only a language code. It is a preference the
visitor made, sent back to this site only; the scan statistics never read it.
"""

from __future__ import annotations

from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

LANG_COOKIE = "lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


def choose_language(
    languages: list[str],
    default: str,
    *,
    query: str | None = None,
    cookie: str | None = None,
    accept_language: str | None = None,
) -> str:
    """The first of query, cookie, Accept-Language (best match) and default that the tour offers."""
    for explicit in (query, cookie):
        if explicit:
            explicit = explicit.strip().lower()
            if explicit in languages:
                return explicit
    if accept_language:
        # Werkzeug matches exact tags first, then primary subtags ("ru-RU" -> "ru"), honours q=0.
        accepted = parse_accept_header(accept_language, LanguageAccept)
        best = accepted.best_match(languages)
        if best:
            return best
    return default
