"""Administrators' pages: the users (role, languages, removal) and the audit log."""

from __future__ import annotations

import datetime as dt
import math

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from audioguide.studio.accounts import LastAdminError, Role, parse_languages
from audioguide.studio.audit import PAGE_SIZE, Action, to_csv
from audioguide.studio.auth import role_required
from audioguide.studio.blueprint import bp, t
from audioguide.studio.state import record, studio
from audioguide.tour.load import load_tour


def _tour_languages() -> list[str]:
    tour, _ = load_tour(studio().project)
    return list(tour.languages) if tour else []


@bp.get("/users")
@role_required(Role.ADMIN)
def users() -> ResponseReturnValue:
    return render_template(
        "studio/users.html", accounts=studio().accounts.all(), roles=list(Role), known=_tour_languages()
    )


def _back_to_users(message: str, category: str = "message") -> ResponseReturnValue:
    flash(message, category)
    return redirect(url_for("studio.users"), 303)


def _langs(languages: tuple[str, ...]) -> str:
    return ",".join(languages) or "all"


@bp.post("/users/<int:user_id>")
@role_required(Role.ADMIN)
def user_update(user_id: int) -> ResponseReturnValue:
    accounts = studio().accounts
    account = accounts.by_id(user_id) or abort(404)
    try:
        role = Role(request.form.get("role", ""))
    except ValueError:
        abort(400)
    languages = parse_languages(request.form.get("languages"))
    known = _tour_languages()
    unknown = [code for code in languages if code not in known]
    if unknown:
        return _back_to_users(
            t("unknown_languages", codes=", ".join(unknown), known=", ".join(known)), "error"
        )
    try:
        new = accounts.update(account.name, role=role, languages=languages)
    except LastAdminError:
        return _back_to_users(t("last_admin"), "error")
    langs = f"{_langs(account.languages)} -> {_langs(new.languages)}"
    record(Action.USER_CHANGED, account.name, f"role: {account.role} -> {new.role}; languages: {langs}")
    return _back_to_users(t("user_updated", name=account.name))


@bp.post("/users/<int:user_id>/remove")
@role_required(Role.ADMIN)
def user_remove(user_id: int) -> ResponseReturnValue:
    accounts = studio().accounts
    account = accounts.by_id(user_id) or abort(404)
    try:
        accounts.remove(account.name)
    except LastAdminError:
        return _back_to_users(t("last_admin"), "error")
    record(Action.USER_REMOVED, account.name, f"role: {account.role}")
    return _back_to_users(t("user_removed", name=account.name))


@bp.get("/audit")
@role_required(Role.ADMIN)
def audit() -> ResponseReturnValue:
    log = studio().audit
    pages = max(1, math.ceil(log.count() / PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    return render_template("studio/audit.html", entries=log.page(page), page=page, pages=pages)


@bp.get("/audit.csv")
@role_required(Role.ADMIN)
def audit_csv() -> ResponseReturnValue:
    name = f"audit-{dt.date.today().isoformat()}.csv"
    # A BOM so that spreadsheet programs read the Cyrillic names as UTF-8.
    body = "\ufeff" + to_csv(studio().audit.entries())
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
