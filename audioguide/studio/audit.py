"""The audit log: who did what, when and from where, in the studio database.

Recorded: sign-ins that failed, publishes, restores, reviews, stop changes and user changes.
Admins read it in the studio (paged) and download it as CSV. Values are stored as given; the CSV
export neutralises cells a spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from audioguide.studio.db import connect, now


class Action(StrEnum):
    """What can be recorded. The next features add theirs here (and a label in strings.py)."""

    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_OUT = "sign_out"
    USER_ADDED = "user_added"
    USER_CHANGED = "user_changed"
    USER_REMOVED = "user_removed"
    PASSWORD_CHANGED = "password_changed"
    REVIEW = "review"
    STOP_ADDED = "stop_added"
    STOP_CHANGED = "stop_changed"
    STOP_RETIRED = "stop_retired"
    SETTINGS_CHANGED = "settings_changed"
    PUBLISH = "publish"
    RESTORE = "restore"


@dataclass(frozen=True)
class Entry:
    id: int
    at: str
    actor: str
    action: str
    target: str
    detail: str
    address: str


COLUMNS = ("at", "actor", "action", "target", "detail", "address")
PAGE_SIZE = 50
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = path

    def record(
        self, actor: str, action: Action, target: str = "", detail: str = "", address: str = ""
    ) -> None:
        with connect(self.path) as db:
            db.execute(
                "INSERT INTO audit (at, actor, action, target, detail, address) VALUES (?, ?, ?, ?, ?, ?)",
                (now(), actor, action.value, target, detail, address),
            )

    def count(self) -> int:
        if not self.path.is_file():
            return 0
        with connect(self.path) as db:
            return int(db.execute("SELECT COUNT(*) FROM audit").fetchone()[0])

    def page(self, number: int, size: int = PAGE_SIZE) -> list[Entry]:
        """Page `number` (1 = newest entries)."""
        if not self.path.is_file():
            return []
        with connect(self.path) as db:
            rows = db.execute(
                f"SELECT id, {', '.join(COLUMNS)} FROM audit ORDER BY id DESC LIMIT ? OFFSET ?",
                (size, (max(number, 1) - 1) * size),
            ).fetchall()
        return [Entry(*row) for row in rows]

    def entries(self) -> Iterable[Entry]:
        """Every entry, oldest first."""
        if not self.path.is_file():
            return []
        with connect(self.path) as db:
            rows = db.execute(f"SELECT id, {', '.join(COLUMNS)} FROM audit ORDER BY id").fetchall()
        return [Entry(*row) for row in rows]


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: a leading ' stops =, +, -, @ from starting a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def to_csv(entries: Iterable[Entry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for entry in entries:
        writer.writerow(safe_cell(getattr(entry, column)) for column in COLUMNS)
    return out.getvalue()
