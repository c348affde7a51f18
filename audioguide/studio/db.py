"""The studio's SQLite database: accounts, reviews, the audit log, drafts, published versions
and settings, in `studio.sqlite3` of the project (beside `stats.sqlite3`, which holds only
anonymous scan counts).

One short connection per operation: the studio is used by a handful of staff, and a connection
that is not shared between threads needs no locking of ours. WAL lets `audioguide users` (another
process) write while the server reads.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

DEFAULT_NAME = "studio.sqlite3"

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role        TEXT NOT NULL,
    languages   TEXT NOT NULL DEFAULT '',  -- comma-separated codes; '' = every language
    password    TEXT NOT NULL,             -- argon2id hash, never the password
    epoch       INTEGER NOT NULL DEFAULT 0, -- bumped by a new password: ends other sessions
    created     TEXT NOT NULL,
    last_sign_in TEXT
);
CREATE TABLE IF NOT EXISTS reviews (
    id          INTEGER PRIMARY KEY,
    stop        TEXT NOT NULL,
    lang        TEXT NOT NULL,
    reviewer    TEXT NOT NULL,
    at          TEXT NOT NULL,
    text_sha256 TEXT NOT NULL              -- of the narration file as reviewed
);
CREATE INDEX IF NOT EXISTS reviews_by_narration ON reviews (stop, lang, id);
CREATE TABLE IF NOT EXISTS drafts (
    stop        TEXT NOT NULL,
    lang        TEXT NOT NULL,
    author      TEXT NOT NULL,
    text        TEXT NOT NULL,             -- the whole narration file as the editor would write it
    base_sha256 TEXT NOT NULL,             -- of the file the editor was loaded from
    at          TEXT NOT NULL,
    PRIMARY KEY (stop, lang, author)
);
CREATE TABLE IF NOT EXISTS versions (
    id          INTEGER PRIMARY KEY,
    stop        TEXT NOT NULL,
    lang        TEXT NOT NULL,
    text        TEXT NOT NULL,             -- the whole narration file as published
    author      TEXT NOT NULL,
    at          TEXT NOT NULL,
    action      TEXT NOT NULL              -- publish | restore | outside (found changed on disk)
);
CREATE INDEX IF NOT EXISTS versions_by_narration ON versions (stop, lang, id);
CREATE TABLE IF NOT EXISTS settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,                 -- UTC, ISO 8601
    actor   TEXT NOT NULL,                 -- a user name, or the command line
    action  TEXT NOT NULL,
    target  TEXT NOT NULL DEFAULT '',
    detail  TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT ''
);
"""


def now() -> str:
    """UTC to the second: what the audit log and the reviews record."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


@contextlib.contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection in one transaction (committed on success), closed afterwards."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=10)
    try:
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA journal_mode=WAL")
        connection.executescript(SCHEMA)
        with connection:
            yield connection
    finally:
        connection.close()
