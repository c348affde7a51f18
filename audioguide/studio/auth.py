"""Who may do what in the studio: sign-in sessions, roles, languages and the sign-in limit.

The seams for new views:

- Every /studio route requires a signed-in user, whether or not it is decorated (blueprint.py
  refuses signed-out requests before any view runs); `login_required` states it in the view too.
- `@role_required(Role.EDITOR)` lets editors (and administrators, who may do everything) in and
  answers 403 to the others; it implies `login_required`.
- `require_language(lang)` answers 403 unless the user works on `lang` (a reviewer for kk may
  not mark ru reviewed). `current_user.may_use(lang)` asks without refusing.
- Failed sign-ins are limited per account and per address (`limit_failed_sign_ins`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Flask, abort, current_app, g, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask.wrappers import Response
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user
from flask_login import login_required as login_required
from flask_wtf.csrf import CSRFProtect

from audioguide.studio.accounts import Account, Role

P = ParamSpec("P")
R = TypeVar("R")

IDLE_TIMEOUT = dt.timedelta(minutes=30)
FAILED_SIGN_INS = "5 per minute"

# One per process, bound to each app by init_auth (the limiter's counters live in memory: a
# restart forgets them, which is fine for a limit counted in minutes).
limiter = Limiter(
    key_func=get_remote_address, storage_uri="memory://", strategy="moving-window", headers_enabled=True
)
csrf = CSRFProtect()


class StaffUser(UserMixin):
    """The signed-in staff member, as Flask-Login sees it."""

    def __init__(self, account: Account) -> None:
        self.account = account

    def get_id(self) -> str:
        # The epoch changes with the password, so a new password ends every other session.
        return f"{self.account.id}:{self.account.epoch}"

    @property
    def name(self) -> str:
        return self.account.name

    @property
    def role(self) -> Role:
        return self.account.role

    @property
    def is_admin(self) -> bool:
        return self.account.role is Role.ADMIN

    def has_role(self, *roles: Role) -> bool:
        return self.account.role is Role.ADMIN or self.account.role in roles

    def may_use(self, lang: str) -> bool:
        return self.account.may_use(lang)


def role_required(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Only users with one of `roles` (or administrators) may run the view; others get 403."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined, no-any-return]
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def require_language(lang: str) -> None:
    """Refuse (403) unless the signed-in user works on narrations in `lang`."""
    if not current_user.is_authenticated or not current_user.may_use(lang):
        abort(403)


def _failed(response: Response) -> bool:
    return bool(g.get("sign_in_failed"))


def _account_key() -> str:
    return "account:" + request.form.get("name", "").strip().casefold()[:64]


def limit_failed_sign_ins(view: Callable[P, R]) -> Callable[P, R]:
    """At most 5 failed sign-ins a minute per account and per address; then 429 until the
    minute has passed. Only failures count (the view sets g.sign_in_failed)."""
    view = limiter.limit(FAILED_SIGN_INS, key_func=_account_key, methods=["POST"], deduct_when=_failed)(view)
    return limiter.limit(FAILED_SIGN_INS, methods=["POST"], deduct_when=_failed)(view)


class StudioSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked Secure when the request came over https (directly,
    or through a proxy the server was told to trust), so it also works on http://localhost."""

    def get_cookie_secure(self, app: Flask) -> bool:
        if has_request_context():
            return request.is_secure
        return bool(app.config["SESSION_COOKIE_SECURE"])


def init_auth(app: Flask, secret: bytes, load_account: Callable[[int], Account | None]) -> None:
    app.config.update(
        SECRET_KEY=secret,
        SESSION_COOKIE_NAME="audioguide_studio",
        # The cookie is only ever sent to the studio: visitors' requests carry none.
        SESSION_COOKIE_PATH="/studio",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Idle timeout: the cookie is signed again on every request (sliding), and a signature
        # older than this is refused by the server, whatever the browser keeps.
        PERMANENT_SESSION_LIFETIME=IDLE_TIMEOUT,
        SESSION_REFRESH_EACH_REQUEST=True,
        # CSRF is checked by the studio blueprint only: the visitor app has no forms.
        WTF_CSRF_CHECK_DEFAULT=False,
        # The token lives as long as the session; the idle timeout already bounds it.
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.session_interface = StudioSessionInterface()
    manager = LoginManager()
    manager.login_view = "studio.sign_in"
    manager.login_message = None  # type: ignore[assignment]  # the sign-in page says it itself
    # No app-wide context processor: it would read the session on every visitor page.
    manager.init_app(app, add_context_processor=False)
    # Its after_request only refreshes "remember me" cookies, which the studio never sets, and it
    # touches the session on every response: since Flask 3.1.3 that adds "Vary: Cookie" to every
    # visitor page too. Sessions are the studio's business only.
    app.after_request_funcs[None].remove(manager._update_remember_cookie)

    @manager.user_loader
    def load_user(user_id: str) -> StaffUser | None:
        ident, _, epoch = user_id.partition(":")
        if not ident.isdigit() or not epoch.isdigit():
            return None
        account = load_account(int(ident))
        # A removed account, or one whose password changed since, is signed out at once.
        return StaffUser(account) if account and account.epoch == int(epoch) else None

    csrf.init_app(app)
    limiter.init_app(app)
