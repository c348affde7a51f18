"""Administrators' stops page: add a stop, its number and location, its image and alt text,
retire a stop into another (printed posters keep working), the posters, and the settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue

from audioguide.qr.state import load_state
from audioguide.studio import stopfiles
from audioguide.studio.accounts import Role
from audioguide.studio.audit import Action
from audioguide.studio.auth import role_required
from audioguide.studio.blueprint import bp, t
from audioguide.studio.images import MAX_BYTES, ImageRejected, prepare_image
from audioguide.studio.state import record, studio
from audioguide.studio.stopfiles import StopRefused
from audioguide.tour.load import load_tour
from audioguide.tour.model import Stop, Tour
from audioguide.web.snapshot import media_type


def _tour() -> Tour:
    tour, _ = load_tour(studio().project)
    if tour is None:
        flash(t("tour_unreadable"), "error")
        abort(409)
    return tour


def _stop(tour: Tour, stop_id: str) -> Stop:
    stop = tour.stop(stop_id)
    if stop is None or stop.id != stop_id:
        abort(404)
    return stop


def _back(message: str, category: str = "message", anchor: str = "") -> ResponseReturnValue:
    flash(message, category)
    return redirect(url_for("studio.stops") + anchor, 303)


@bp.get("/stops")
@role_required(Role.ADMIN)
def stops() -> ResponseReturnValue:
    tour = _tour()
    state, _ = load_state(tour.qr_dir)
    return render_template(
        "studio/stops.html",
        tour=tour,
        posters={stop.id: stop.id in state.stops for stop in tour.stops},
        sheet=(tour.qr_dir / "posters.pdf").is_file(),
        next_number=max((s.number for s in tour.stops), default=0) + 1,
        git_commit=studio().settings.flag("git_commit"),
        max_mb=MAX_BYTES // (1024 * 1024),
    )


Change = tuple[Action, str, str]  # what the audit log records (action, detail), and the message


def _apply(stop_id: str, change: Callable[[], Change]) -> ResponseReturnValue:
    """Make one change; a refusal goes back to the stop with its reason, nothing recorded."""
    try:
        action, detail, message = change()
    except (StopRefused, ImageRejected, OSError) as exc:
        return _back(str(exc), "error", f"#stop-{stop_id}")
    record(action, stop_id, detail)
    return _back(message, anchor=f"#stop-{stop_id}")


@bp.post("/stops")
@role_required(Role.ADMIN)
def stop_add() -> ResponseReturnValue:
    tour = _tour()
    stop_id = request.form.get("id", "").strip()
    number = request.form.get("number", type=int) or 0

    def add() -> Change:
        stopfiles.add_stop(tour, stop_id, number)
        return Action.STOP_ADDED, f"number {number}", t("stop_added", stop=stop_id)

    return _apply(stop_id, add)


@bp.post("/stops/<stop_id>")
@role_required(Role.ADMIN)
def stop_update(stop_id: str) -> ResponseReturnValue:
    tour = _tour()
    stop = _stop(tour, stop_id)
    number = request.form.get("number", type=int) or 0
    lat, lon = request.form.get("lat", type=float), request.form.get("lon", type=float)

    def update() -> Change:
        stopfiles.set_number_and_location(tour, stop, number, lat, lon)
        where = f"{lat}, {lon}" if lat is not None and lon is not None else "-"
        detail = f"number {stop.number} -> {number}; location {where}"
        return Action.STOP_CHANGED, detail, t("stop_saved", stop=stop_id)

    return _apply(stop_id, update)


@bp.post("/stops/<stop_id>/image")
@role_required(Role.ADMIN)
def stop_image(stop_id: str) -> ResponseReturnValue:
    tour = _tour()
    stop = _stop(tour, stop_id)
    upload = request.files.get("image")
    alts = {lang: request.form.get(f"alt_{lang}", "") for lang in tour.languages}

    def image() -> Change:
        data = suffix = None
        if upload is not None and upload.filename:
            data, suffix = prepare_image(upload.read(MAX_BYTES + 1))
        stopfiles.set_image(stop, data, suffix, alts)
        return (
            Action.STOP_CHANGED,
            "image and alt text" if data else "alt text",
            t("stop_saved", stop=stop_id),
        )

    return _apply(stop_id, image)


@bp.post("/stops/<stop_id>/retire")
@role_required(Role.ADMIN)
def stop_retire(stop_id: str) -> ResponseReturnValue:
    tour = _tour()
    stop = _stop(tour, stop_id)
    into = tour.stop(request.form.get("into", ""))
    if into is None:
        return _back(t("retire_choose"), "error", f"#stop-{stop_id}")

    def retire() -> Change:
        moved = stopfiles.retire(tour, stop, into).relative_to(tour.root)
        message = t("stop_retired", stop=stop_id, into=into.id)
        return Action.STOP_RETIRED, f"alias of {into.id}; folder moved to {moved}", message

    return _apply(stop_id, retire)


@bp.get("/stops/<stop_id>/image")
@role_required(Role.ADMIN)
def stop_image_file(stop_id: str) -> ResponseReturnValue:
    stop = _stop(_tour(), stop_id)
    if not stop.config.image or not (stop.path / stop.config.image).is_file():
        abort(404)
    path = stop.path / stop.config.image
    return send_file(path, mimetype=media_type(path.name), conditional=True)


def _pdf(path: Path) -> ResponseReturnValue:
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype="application/pdf", as_attachment=True, download_name=path.name)


@bp.get("/stops/<stop_id>/poster.pdf")
@role_required(Role.ADMIN)
def stop_poster(stop_id: str) -> ResponseReturnValue:
    tour = _tour()
    return _pdf(tour.qr_dir / f"{_stop(tour, stop_id).id}.pdf")


@bp.get("/posters.pdf")
@role_required(Role.ADMIN)
def posters_sheet() -> ResponseReturnValue:
    return _pdf(_tour().qr_dir / "posters.pdf")
