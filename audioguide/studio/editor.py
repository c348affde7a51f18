"""Editing a narration: drafts, "Listen", publish, and the conflict page.

The form carries the hash of the file it was loaded from. Whatever the button, a submit made
from a file that has changed since (someone else published) is kept as the submitter's draft
and answered with the conflict page: theirs, yours and the difference; nothing is lost.
"""

from __future__ import annotations

import threading
from pathlib import Path

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from audioguide.studio.accounts import Role
from audioguide.studio.audit import Action
from audioguide.studio.auth import login_required, require_language, role_required
from audioguide.studio.blueprint import bp, t
from audioguide.studio.gitcommit import GitError
from audioguide.studio.publishing import publish_text, read_current
from audioguide.studio.state import record, studio
from audioguide.studio.store import diff_lines, text_sha256
from audioguide.studio.texts import check_text, compose, split
from audioguide.tour.diagnostics import Diagnostic, Severity
from audioguide.tour.load import load_tour
from audioguide.tour.model import Stop, Tour

# Between "is the file still the one the form was loaded from" and writing it, no other
# publish of this server may write: two staff pressing Publish at once get one conflict page.
_WRITE_LOCK = threading.Lock()


def narration_target(stop_id: str, lang: str) -> tuple[Tour, Stop, Path]:
    """The stop (by id, not by alias) and the file of its narration in `lang` (which may not
    exist yet: a missing translation is written in the editor); 404 otherwise."""
    require_language(lang)
    tour, _ = load_tour(studio().project)
    stop = tour.stop(stop_id) if tour else None
    if tour is None or stop is None or stop.id != stop_id or lang not in tour.languages:
        abort(404)
    return tour, stop, stop.path / f"{lang}.md"


def _editor_url(stop_id: str, lang: str, **args: str) -> str:
    return url_for("studio.edit", stop_id=stop_id, lang=lang, **args)


@bp.get("/edit/<stop_id>/<lang>")
@login_required
def edit(stop_id: str, lang: str) -> ResponseReturnValue:
    return _editor_page(stop_id, lang)


def _editor_page(stop_id: str, lang: str, status: int = 200) -> ResponseReturnValue:
    state = studio()
    tour, stop, path = narration_target(stop_id, lang)
    current = read_current(path)
    current_sha = text_sha256(current or "")
    draft = state.drafts.get(stop_id, lang, current_user.name)
    text = draft.text if draft else (current or compose(None, "", ""))
    editor = split(text)
    problems = [d for d in check_text(text, lang) if d.severity is not Severity.NOTE]
    body_lines = max(1, len(editor.body.splitlines()) or 1)
    by_line: dict[int, list[Diagnostic]] = {}
    for problem in problems:
        by_line.setdefault(problem.line, []).append(problem)
    preview = state.previews.get(request.args.get("preview", ""))
    if preview is not None and (preview.stop, preview.lang) != (stop_id, lang):
        preview = None
    last = state.publishes.latest(stop_id, lang)
    others = [d for d in state.drafts.of_narration(stop_id, lang) if d.author != current_user.name]
    return (
        render_template(
            "studio/edit.html",
            stop=stop,
            lang=lang,
            path=path.relative_to(tour.root).as_posix(),
            exists=current is not None,
            editor=editor,
            base=draft.base_sha256 if draft else current_sha,
            draft=draft,
            stale=bool(draft and draft.base_sha256 != current_sha),
            problems=problems,
            by_line=by_line,
            line_numbers=range(editor.body_line, editor.body_line + body_lines),
            preview=preview,
            last=last if last and last.state == "failed" else None,
            others=others,
            may_publish=current_user.has_role(Role.EDITOR),
            narration=stop.narrations.get(lang),
        ),
        status,
    )


@bp.post("/edit/<stop_id>/<lang>")
@login_required
def edit_submit(stop_id: str, lang: str) -> ResponseReturnValue:
    state = studio()
    _, stop, path = narration_target(stop_id, lang)
    action = request.form.get("action", "save")
    if action not in ("save", "listen", "publish", "discard", "mine"):
        abort(400)
    if action == "publish" and not current_user.has_role(Role.EDITOR):
        abort(403)
    me = current_user.name
    if action == "discard":
        state.drafts.discard(stop_id, lang, me)
        flash(t("draft_discarded"))
        return redirect(_editor_url(stop_id, lang), 303)
    current = read_current(path)
    current_sha = text_sha256(current or "")
    if action == "mine":  # from the conflict page: go on from my text, over theirs
        draft = state.drafts.get(stop_id, lang, me) or abort(404)
        state.drafts.save(stop_id, lang, me, draft.text, current_sha)
        flash(t("draft_rebased"))
        return redirect(_editor_url(stop_id, lang), 303)

    text = compose(current, request.form.get("title", ""), request.form.get("body", ""))
    base = request.form.get("base", "")
    with _WRITE_LOCK:
        if base != current_sha:
            state.drafts.save(stop_id, lang, me, text, base)
            return _conflict(stop, lang, current or "", text)
        if action != "publish":
            state.drafts.save(stop_id, lang, me, text, current_sha)
        else:
            errors = [d for d in check_text(text, lang) if d.severity is Severity.ERROR]
            if errors:
                state.drafts.save(stop_id, lang, me, text, current_sha)
                flash(t("publish_refused", count=len(errors)), "error")
                return redirect(_editor_url(stop_id, lang) + "#problems", 303)
            return _publish(stop, lang, text, current, action="publish")
    if action == "listen":
        try:
            preview = state.previews.start(stop_id, lang, text)
        except (LookupError, ValueError) as exc:
            flash(str(exc), "error")
            return redirect(_editor_url(stop_id, lang), 303)
        if preview.state == "failed":
            flash(preview.error or t("preview_failed"), "error")
        return redirect(_editor_url(stop_id, lang, preview=preview.key) + "#listen", 303)
    flash(t("draft_saved"))
    return redirect(_editor_url(stop_id, lang), 303)


def _conflict(stop: Stop, lang: str, theirs: str, yours: str) -> ResponseReturnValue:
    history = studio().history.of(stop.id, lang)
    last = next((v for v in history if v.text == theirs), None)
    body = render_template(
        "studio/conflict.html",
        stop=stop,
        lang=lang,
        theirs=theirs,
        yours=yours,
        who=last.author if last else None,
        when=last.at if last else None,
        diff=diff_lines(theirs, yours, "theirs", "yours"),
    )
    return body, 409


def _publish(stop: Stop, lang: str, text: str, current: str | None, *, action: str) -> ResponseReturnValue:
    """Write, record, commit, and start the build; the caller holds _WRITE_LOCK."""
    state = studio()
    me = current_user.name
    title_changed = split(current or "").title != split(text).title
    commit = None
    try:
        commit = publish_text(
            state.project,
            state.history,
            stop.id,
            lang,
            text,
            me,
            action=action,
            git_commit=state.settings.flag("git_commit"),
        )
    except GitError as exc:
        flash(t("git_failed", error=str(exc)), "error")
    state.drafts.discard(stop.id, lang, me)
    detail = "title changed" if title_changed else ""
    record(Action.RESTORE if action == "restore" else Action.PUBLISH, f"{stop.id}/{lang}", detail)
    job = state.publishes.start(stop.id, lang, me, action=action, title_changed=title_changed)
    job.commit = commit
    return redirect(url_for("studio.publish_status", job_id=job.id), 303)


def restore_version(stop: Stop, lang: str, text: str, current: str | None) -> ResponseReturnValue:
    with _WRITE_LOCK:
        return _publish(stop, lang, text, current, action="restore")


@bp.get("/publish/<job_id>")
@login_required
def publish_status(job_id: str) -> ResponseReturnValue:
    job = studio().publishes.get(job_id) or abort(404)
    return render_template("studio/publish.html", job=job)


@bp.get("/publish/<job_id>/status.json")
@login_required
def publish_status_json(job_id: str) -> ResponseReturnValue:
    job = studio().publishes.get(job_id) or abort(404)
    return jsonify(job.as_json())


def _preview_or_404(key: str):  # type: ignore[no-untyped-def]
    preview = studio().previews.get(key) or abort(404)
    require_language(preview.lang)
    return preview


@bp.get("/preview/<key>/status.json")
@login_required
def preview_status(key: str) -> ResponseReturnValue:
    preview = _preview_or_404(key)
    data = preview.as_json()
    if preview.state == "ready":
        data["audio"] = url_for("studio.preview_audio", key=key)
        data["captions"] = url_for("studio.preview_captions", key=key)
    return jsonify(data)


def _preview_file(key: str, captions: bool) -> ResponseReturnValue:
    preview = _preview_or_404(key)
    if preview.state != "ready":
        abort(404)
    if captions:
        return send_file(preview.vtt, mimetype="text/vtt", conditional=True)
    return send_file(preview.mp3, mimetype="audio/mpeg", conditional=True)


@bp.get("/preview/<key>/audio.mp3")
@login_required
def preview_audio(key: str) -> ResponseReturnValue:
    return _preview_file(key, captions=False)


@bp.get("/preview/<key>/captions.vtt")
@login_required
def preview_captions(key: str) -> ResponseReturnValue:
    return _preview_file(key, captions=True)


@bp.post("/settings")
@role_required(Role.ADMIN)
def settings_update() -> ResponseReturnValue:
    value = "true" if request.form.get("git_commit") == "on" else "false"
    studio().settings.set("git_commit", value)
    record(Action.SETTINGS_CHANGED, "git_commit", value)
    flash(t("settings_saved"))
    return redirect(url_for("studio.stops"), 303)
