"""Drafts, published versions and settings in the studio database.

A draft is one staff member's unpublished text of one narration; it lives here, never in the
.md file (which stays what visitors hear), and survives a restart. A version is the whole file
as it was published (or found on disk, changed outside the studio), so any of them can be
shown as a diff and restored.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from pathlib import Path

from audioguide.studio.db import connect, now


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Draft:
    stop: str
    lang: str
    author: str
    text: str
    base_sha256: str  # of the file the editor was loaded from: stale when the file changed since
    at: str


@dataclass(frozen=True)
class Version:
    id: int
    stop: str
    lang: str
    text: str
    author: str
    at: str
    action: str  # publish | restore | outside


_DRAFT = "SELECT stop, lang, author, text, base_sha256, at FROM drafts"
_VERSION = "SELECT id, stop, lang, text, author, at, action FROM versions"


def _select(path: Path, query: str, *args: object) -> list[tuple[object, ...]]:
    with connect(path) as db:
        return [tuple(row) for row in db.execute(query, args).fetchall()]


class Drafts:
    def __init__(self, path: Path) -> None:
        self.path = path

    def save(self, stop: str, lang: str, author: str, text: str, base_sha256: str) -> Draft:
        draft = Draft(stop, lang, author, text, base_sha256, now())
        with connect(self.path) as db:
            db.execute(
                "INSERT OR REPLACE INTO drafts (stop, lang, author, text, base_sha256, at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (stop, lang, author, text, base_sha256, draft.at),
            )
        return draft

    def get(self, stop: str, lang: str, author: str) -> Draft | None:
        rows = _select(self.path, f"{_DRAFT} WHERE stop = ? AND lang = ? AND author = ?", stop, lang, author)
        return Draft(*rows[0]) if rows else None  # type: ignore[arg-type]

    def discard(self, stop: str, lang: str, author: str) -> None:
        with connect(self.path) as db:
            db.execute("DELETE FROM drafts WHERE stop = ? AND lang = ? AND author = ?", (stop, lang, author))

    def of_narration(self, stop: str, lang: str) -> list[Draft]:
        rows = _select(self.path, f"{_DRAFT} WHERE stop = ? AND lang = ? ORDER BY at DESC", stop, lang)
        return [Draft(*row) for row in rows]  # type: ignore[arg-type]


class History:
    def __init__(self, path: Path) -> None:
        self.path = path

    def add(self, stop: str, lang: str, text: str, author: str, action: str) -> Version:
        at = now()
        with connect(self.path) as db:
            cursor = db.execute(
                "INSERT INTO versions (stop, lang, text, author, at, action) VALUES (?, ?, ?, ?, ?, ?)",
                (stop, lang, text, author, at, action),
            )
            ident = int(cursor.lastrowid or 0)
        return Version(ident, stop, lang, text, author, at, action)

    def remember_current(self, stop: str, lang: str, current: str | None) -> None:
        """Before a publish replaces the file: keep what it holds now, unless it is the last
        version already (a text written by hand or pulled from git is not lost either)."""
        if current is None:
            return
        versions = self.of(stop, lang)
        if not versions or versions[0].text != current:
            self.add(stop, lang, current, "-", "outside")

    def of(self, stop: str, lang: str) -> list[Version]:
        """Every version of a narration, newest first."""
        rows = _select(self.path, f"{_VERSION} WHERE stop = ? AND lang = ? ORDER BY id DESC", stop, lang)
        return [Version(*row) for row in rows]  # type: ignore[arg-type]

    def get(self, ident: int) -> Version | None:
        rows = _select(self.path, f"{_VERSION} WHERE id = ?", ident)
        return Version(*rows[0]) if rows else None  # type: ignore[arg-type]


class Settings:
    """Studio settings administrators change in the studio (e.g. `git_commit`)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def get(self, key: str, default: str = "") -> str:
        with connect(self.path) as db:
            row = db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else default

    def flag(self, key: str) -> bool:
        return self.get(key) == "true"

    def set(self, key: str, value: str) -> None:
        with connect(self.path) as db:
            db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, value))


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "add", "del", "ctx" or "hunk"
    text: str


def diff_lines(old: str, new: str, old_name: str = "before", new_name: str = "after") -> list[DiffLine]:
    """A unified diff as lines for a template, which escapes them (a narration may hold HTML)."""
    lines = []
    diff = difflib.unified_diff(old.splitlines(), new.splitlines(), old_name, new_name, n=2, lineterm="")
    for line in list(diff)[2:]:  # the ---/+++ header: the page says which is which
        if line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = "ctx"
        lines.append(DiffLine(kind, line))
    return lines
