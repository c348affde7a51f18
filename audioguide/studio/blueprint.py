"""The studio blueprint and what every studio request goes through.

Before any view: no account yet -> the page naming the command that makes one; signed out ->
the sign-in page (every route, decorated or not, except sign-in and the stylesheet); a POST
without a valid CSRF token -> 400. After every view: `Cache-Control: no-store`, so no browser,
proxy or service worker keeps a staff page. Errors are answered in the staff member's language.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, g, render_template, request
from flask.typing import ResponseReturnValue
from flask.wrappers import Response
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from audioguide.studio.accounts import Role
from audioguide.studio.auth import csrf
from audioguide.studio.state import studio
from audioguide.studio.strings import pick_language, translate

bp = Blueprint(
    "studio",
    __name__,
    url_prefix="/studio",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

# Reachable signed out. A new route is NOT in this list, so it is refused until signed in.
OPEN_ENDPOINTS = frozenset({"studio.sign_in", "studio.static"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FIRST_ACCOUNT_COMMAND = "audioguide users add NAME --role admin"


def ui_lang() -> str:
    """The staff member's language (Accept-Language; English when none of ours)."""
    if "studio_lang" not in g:
        g.studio_lang = pick_language(request.accept_languages)
    return str(g.studio_lang)


def t(key: str, /, **values: object) -> str:
    return translate(ui_lang(), key, **values)


@bp.before_request
def guard() -> ResponseReturnValue | None:
    if request.endpoint == "studio.static":
        return None
    if not studio().accounts.exist():
        body = render_template("studio/no_accounts.html", command=FIRST_ACCOUNT_COMMAND)
        return body, 403
    if request.endpoint not in OPEN_ENDPOINTS and not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined, no-any-return]
    if request.method not in SAFE_METHODS:
        csrf.protect()
    return None


@bp.after_request
def no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    # The visitor pages send no referrer at all; the studio's forms need a same-origin one
    # (the CSRF check compares it with the host on https).
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Robots-Tag"] = "noindex"
    response.vary.add("Cookie")
    return response


@bp.context_processor
def template_helpers() -> dict[str, Any]:
    return {"t": t, "ui_lang": ui_lang(), "current_user": current_user, "Role": Role}


_MESSAGES = {400: "form_expired", 403: "forbidden", 404: "not_found", 429: "too_many_attempts"}


@bp.errorhandler(HTTPException)
def error_page(error: HTTPException) -> ResponseReturnValue:
    code = error.code or 500
    key = "form_expired" if isinstance(error, CSRFError) else _MESSAGES.get(code, "error")
    response = Response(render_template("studio/error.html", message=t(key, code=code), code=code), code)
    if code == 429 and error.response is not None and "Retry-After" in error.response.headers:
        response.headers["Retry-After"] = error.response.headers["Retry-After"]
    elif code == 429:
        response.headers["Retry-After"] = "60"
    return response


@bp.route("/<path:anything>", methods=["GET", "POST"])
def unknown(anything: str) -> ResponseReturnValue:
    """Any other /studio address is the studio's, not a visitor page's (`/<lang>/<stop>`
    would otherwise answer GET /studio/sign-out): signed out, it leads to the sign-in page like
    every studio route; signed in, it is the studio's "not found"."""
    abort(404)
