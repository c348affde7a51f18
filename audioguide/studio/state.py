"""What the studio's views share: the project folder and the stores, one per app."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app, request
from flask_login import current_user

from audioguide.statsdb import StatsLocation
from audioguide.studio.accounts import Accounts
from audioguide.studio.audit import Action, AuditLog

EXTENSION = "audioguide.studio"


@dataclass(frozen=True)
class StudioState:
    project: Path
    accounts: Accounts
    audit: AuditLog
    stats_db: StatsLocation  # a SQLite file or a PostgreSQL URL


def studio() -> StudioState:
    return current_app.extensions[EXTENSION]


def record(action: Action, target: str = "", detail: str = "", *, actor: str | None = None) -> None:
    """Add an entry to the audit log for the current request: who (the signed-in user unless
    `actor` is given), when, and from which address (the client's, through a trusted proxy)."""
    if actor is None:
        actor = current_user.name if current_user.is_authenticated else "-"
    studio().audit.record(actor, action, target, detail, request.remote_addr or "")
