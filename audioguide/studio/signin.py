"""Signing in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user

from audioguide.studio.audit import Action
from audioguide.studio.auth import StaffUser, limit_failed_sign_ins, login_required
from audioguide.studio.blueprint import bp, t
from audioguide.studio.state import record, studio


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path inside the studio (never another site)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/studio/") and "\\" not in target:
            return target
    return url_for("studio.index")


@bp.route("/sign-in", methods=["GET", "POST"])
@limit_failed_sign_ins
def sign_in() -> ResponseReturnValue:
    target = request.values.get("next")
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(_safe_next(target))
        message = t("sign_in_again") if target else None
        return render_template("studio/sign_in.html", next=target or "", message=message, name="")
    name = request.form.get("name", "").strip()
    password = request.form.get("password", "")
    account = studio().accounts.authenticate(name, password) if name and password else None
    if account is None:
        g.sign_in_failed = True  # counted by the sign-in limit
        # The name only when it is an account's: a stranger's input (perhaps a password typed in
        # the wrong field) is never written down.
        known = bool(name) and studio().accounts.get(name) is not None
        record(Action.SIGN_IN_FAILED, name if known else "(unknown name)", actor="-")
        body = render_template(
            "studio/sign_in.html", next=target or "", message=t("sign_in_failed"), name=name
        )
        return body, 200
    # A fresh session: nothing from before signing in (a planted cookie) carries over.
    session.clear()
    login_user(StaffUser(account))
    session.permanent = True  # the idle timeout (PERMANENT_SESSION_LIFETIME) applies
    record(Action.SIGN_IN, account.name)
    return redirect(_safe_next(target), 303)


@bp.post("/sign-out")
@login_required
def sign_out() -> ResponseReturnValue:
    record(Action.SIGN_OUT, current_user.name)
    logout_user()
    session.clear()
    return render_template("studio/signed_out.html")
