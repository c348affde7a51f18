"""The staff studio at /studio: accounts, sign-in, roles, the audit log and the overview.

`init_app(app, project, stats_db=...)` mounts it on the visitor app (web.create_app does). The
parts, for whoever adds a page:

- blueprint.py: the blueprint `bp`, the checks every request goes through (sign-in, CSRF,
  no-store), error pages, and `t()` for strings (strings.py, en/ru/kk).
- auth.py: `login_required`, `role_required(Role...)`, `require_language(lang)`, the session.
- accounts.py (users), audit.py (`Action`, the log), reviews.py: the studio database (db.py).
- state.py: `studio()` (project folder and stores) and `record(Action..., target, detail)`.
- store.py: drafts, published versions and settings in the studio database.
- signin.py, dashboard.py, admin.py: the views; templates/studio/*.html extend base.html.
- editor.py (edit, drafts, conflicts, "Listen", publish status), versions.py (history, restore),
  stops.py (administrators: add, number, location, image, retire, posters, settings); their
  work without Flask: texts.py, preview.py, publishing.py, gitcommit.py, stopfiles.py, images.py.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from flask import Flask

from audioguide.statsdb import StatsLocation
from audioguide.studio.accounts import Accounts
from audioguide.studio.audit import AuditLog
from audioguide.studio.auth import init_auth
from audioguide.studio.db import DEFAULT_NAME
from audioguide.studio.proxy import behind_trusted_proxy
from audioguide.studio.secret import load_or_create_secret
from audioguide.studio.state import EXTENSION, StudioState

log = logging.getLogger(__name__)


def init_app(app: Flask, project: Path, *, stats_db: StatsLocation, studio_db: Path | None = None) -> None:
    # Importing the views registers their routes on the blueprint.
    from audioguide.studio import admin, dashboard, editor, signin, stops, versions  # noqa: F401
    from audioguide.studio.blueprint import bp

    path = studio_db or project / DEFAULT_NAME
    accounts = Accounts(path)
    app.extensions[EXTENSION] = StudioState(project, accounts, AuditLog(path), stats_db)
    try:
        secret = load_or_create_secret(project)
    except OSError as exc:
        # A read-only project still serves visitors; staff then sign in again after a restart.
        log.warning("cannot keep the studio's session key in %s (%s): sessions end on restart", project, exc)
        secret = secrets.token_bytes(32)
    init_auth(app, secret, accounts.by_id)
    # A stop image may be 10 MB; the visitor app takes no uploads, so the limit is the studio's.
    app.config["MAX_CONTENT_LENGTH"] = 11 * 1024 * 1024
    app.register_blueprint(bp)
    app.wsgi_app = behind_trusted_proxy(app.wsgi_app)  # type: ignore[method-assign]
