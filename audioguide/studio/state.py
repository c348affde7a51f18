"""What the studio's views share: the project folder and the stores, one per app."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app, request
from flask_login import current_user

from audioguide.statsdb import StatsLocation
from audioguide.studio.accounts import Accounts
from audioguide.studio.audit import Action, AuditLog
from audioguide.studio.preview import Previews
from audioguide.studio.publishing import PublishJobs
from audioguide.studio.store import Drafts, History, Settings

EXTENSION = "audioguide.studio"


@dataclass(frozen=True)
class StudioState:
    project: Path
    accounts: Accounts
    audit: AuditLog
    stats_db: StatsLocation  # a SQLite file or a PostgreSQL URL
    # Work the studio runs in background threads: "Listen" previews and publish builds.
    previews: Previews = field(init=False)
    publishes: PublishJobs = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "previews", Previews(self.project))
        object.__setattr__(self, "publishes", PublishJobs(self.project))

    @property
    def drafts(self) -> Drafts:
        return Drafts(self.accounts.path)

    @property
    def history(self) -> History:
        return History(self.accounts.path)

    @property
    def settings(self) -> Settings:
        return Settings(self.accounts.path)


def studio() -> StudioState:
    return current_app.extensions[EXTENSION]


def record(action: Action, target: str = "", detail: str = "", *, actor: str | None = None) -> None:
    """Add an entry to the audit log for the current request: who (the signed-in user unless
    `actor` is given), when, and from which address (the client's, through a trusted proxy)."""
    if actor is None:
        actor = current_user.name if current_user.is_authenticated else "-"
    studio().audit.record(actor, action, target, detail, request.remote_addr or "")
