"""The overview page (read-only, except a reviewer's "mark reviewed") and its scan charts."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from audioguide.stats import read_scans
from audioguide.studio import charts
from audioguide.studio.accounts import Role
from audioguide.studio.audit import Action
from audioguide.studio.auth import login_required, require_language, role_required
from audioguide.studio.blueprint import bp, t
from audioguide.studio.frontmatter import mark_reviewed
from audioguide.studio.overview import build_overview
from audioguide.studio.reviews import Reviews
from audioguide.studio.state import record, studio
from audioguide.tour.load import load_tour


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    state = studio()
    overview = build_overview(state.project, Reviews(state.accounts.path).latest())
    today = dt.date.today()
    rows = read_scans(state.stats_db, days=charts.DAYS, today=today)
    days = charts.per_day(rows, today)
    stops, langs, cells = charts.per_stop(rows, [row.id for row in overview.stops], overview.languages)
    stop_totals = [(stop, sum(cells.get((stop, lang), 0) for lang in langs)) for stop in stops]
    return render_template(
        "studio/overview.html",
        overview=overview,
        days=charts.DAYS,
        day_chart=charts.columns(days),
        day_rows=[(day, count) for day, count in reversed(days) if count],
        stop_chart=charts.rows_of_bars(stop_totals),
        scan_stops=stops,
        scan_langs=langs,
        scan_cells=cells,
        lang_totals={lang: sum(cells.get((stop, lang), 0) for stop in stops) for lang in langs},
        stop_totals=dict(stop_totals),
    )


@bp.post("/review/<stop_id>/<lang>")
@role_required(Role.REVIEWER)
def review(stop_id: str, lang: str) -> ResponseReturnValue:
    """A native speaker confirms a translation: `needs_review: false` in its front matter (the
    visitor page drops its note when the server reloads the tour), and who/when in the db."""
    require_language(lang)
    state = studio()
    tour, _ = load_tour(state.project)
    stop = tour.stop(stop_id) if tour else None
    if stop is None or stop.id != stop_id or lang not in stop.narrations:
        abort(404)
    path = stop.narrations[lang].path
    if mark_reviewed(path):
        Reviews(state.accounts.path).add(stop.id, lang, current_user.name, path)
        record(Action.REVIEW, f"{stop.id}/{lang}", "needs_review: false")
        flash(t("review_done", stop=stop.id, lang=lang))
    else:
        flash(t("review_nothing", stop=stop.id, lang=lang))
    return redirect(url_for("studio.index") + f"#n-{stop.id}-{lang}", 303)
