"""A narration's history: every published version, who and when, the difference each made,
and "restore", which publishes an old version again (audited as RESTORE)."""

from __future__ import annotations

from flask import abort, render_template
from flask.typing import ResponseReturnValue

from audioguide.studio.accounts import Role
from audioguide.studio.auth import login_required, role_required
from audioguide.studio.blueprint import bp
from audioguide.studio.editor import narration_target, restore_version
from audioguide.studio.publishing import read_current
from audioguide.studio.state import studio
from audioguide.studio.store import diff_lines


@bp.get("/history/<stop_id>/<lang>")
@login_required
def history(stop_id: str, lang: str) -> ResponseReturnValue:
    _, stop, path = narration_target(stop_id, lang)
    current = read_current(path)
    versions = studio().history.of(stop_id, lang)
    rows = []
    for index, version in enumerate(versions):
        older = versions[index + 1].text if index + 1 < len(versions) else ""
        rows.append((version, diff_lines(older, version.text), version.text == current))
    return render_template(
        "studio/history.html",
        stop=stop,
        lang=lang,
        rows=rows,
        outside=bool(current is not None and (not versions or versions[0].text != current)),
        may_publish=True,
    )


@bp.post("/history/<stop_id>/<lang>/<int:version_id>/restore")
@role_required(Role.EDITOR)
def restore(stop_id: str, lang: str, version_id: int) -> ResponseReturnValue:
    _, stop, path = narration_target(stop_id, lang)
    version = studio().history.get(version_id)
    if version is None or (version.stop, version.lang) != (stop_id, lang):
        abort(404)
    return restore_version(stop, lang, version.text, read_current(path))
