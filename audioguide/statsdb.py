"""Where the scan counts are kept: a SQLite file (the default) or a PostgreSQL database that
several servers share.

stats.py counts, imports and reads only through `ScanStore`; `open_store(location)` picks the
backend from the location, a `postgresql://` URL or else a file path. Both keep the same two
tables, `scans(day, stop, lang, count)` and `imported_logs(log, lines)`, and both write with an
upsert that adds to the stored count, so any number of writers can share one database.

Every database error leaves a backend as `StatsDbError` (a ClickException: the command line
shows it as a clean message; the server's flush thread logs it and retries).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from audioguide.errors import AudioguideError

# A SQLite file, or a PostgreSQL connection URL (kept as the string the user gave).
StatsLocation = Path | str
Row = tuple[str, str, str, int]  # (day, stop, lang, count)

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
POSTGRES_INSTALL = "pip install 'audioguide[postgres]'"


class StatsDbError(AudioguideError):
    """The scan statistics database cannot be used (unreachable, locked, no driver)."""


def location_of(value: str | Path) -> StatsLocation:
    """A --stats-db value as a location: a PostgreSQL URL stays a string, anything else is a
    path (Path("postgresql://h/db") would fold the double slash, so the URL is never a Path)."""
    text = str(value)
    return text if text.startswith(POSTGRES_SCHEMES) else Path(value)


def is_postgres(location: StatsLocation) -> bool:
    return isinstance(location, str) and location.startswith(POSTGRES_SCHEMES)


def describe(location: StatsLocation) -> str:
    """The location for messages and logs: a URL without its password."""
    if not is_postgres(location):
        return str(location)
    parts = urlsplit(str(location))
    if parts.password is not None:
        host = parts.netloc.rsplit("@", 1)[1]
        parts = parts._replace(netloc=f"{parts.username or ''}@{host}")
    # libpq also takes the password as a parameter: ?password=...
    query = [
        (key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key != "password"
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


@dataclass
class LogImport:
    """One log's import in progress: `done` lines were counted before; count() the new scans
    and set `lines` to the log's length. Written in one transaction when the block ends."""

    done: int
    lines: int = 0
    counts: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    def count(self, day: str, stop: str, lang: str) -> None:
        self.counts[day, stop, lang] += 1

    def rows(self) -> list[Row]:
        # Sorted: concurrent writers then lock rows in the same order (no deadlock in PostgreSQL).
        return sorted((day, stop, lang, n) for (day, stop, lang), n in self.counts.items())


class ScanStore(ABC):
    """The storage seam: what stats.py needs from a database, nothing more."""

    location: StatsLocation

    @abstractmethod
    def add(self, rows: list[Row]) -> None:
        """Add each row's count to the stored one, all rows in one transaction."""

    @abstractmethod
    def read(self, since: str | None = None) -> list[Row]:
        """Rows newest day first, then by stop and language; `since` is the first day kept.
        A database that does not exist yet holds no rows; reading never creates one."""

    @abstractmethod
    def log_import(self, identity: bytes) -> contextlib.AbstractContextManager[LogImport]:
        """Bookkeeping of a log import, one transaction: what the log's earlier imports counted,
        then the new counts and the log's length. Two imports of one log at once are serialized."""

    def close(self) -> None:  # noqa: B027  (a no-op for backends that keep no connection)
        """Let go of any connection kept open."""

    def __enter__(self) -> ScanStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _select_scans(since: str | None, placeholder: str, order: str) -> tuple[str, tuple[str, ...]]:
    """The query both backends read with; they differ only in placeholder and collation."""
    where, params = (f" WHERE day >= {placeholder}", (since,)) if since is not None else ("", ())
    return f"SELECT day, stop, lang, count FROM scans{where} ORDER BY {order}", params


def open_store(location: StatsLocation) -> ScanStore:
    """The backend for `location`; connects only when first used."""
    if is_postgres(location):
        return PostgresStore(str(location))
    return SqliteStore(Path(location))


# --- SQLite: one file, the default ------------------------------------------------------------

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS scans (
    day   TEXT NOT NULL,     -- YYYY-MM-DD, the server's local date
    stop  TEXT NOT NULL,     -- the stop's id (aliases are counted under the current id)
    lang  TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (day, stop, lang)
) WITHOUT ROWID;
-- Logs read by `audioguide stats import`: a digest of each log's first line, and how many of
-- its lines were counted (no line, address or user agent is stored).
CREATE TABLE IF NOT EXISTS imported_logs (
    log   BLOB PRIMARY KEY,
    lines INTEGER NOT NULL
) WITHOUT ROWID;
"""
_SQLITE_UPSERT = (
    "INSERT INTO scans (day, stop, lang, count) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (day, stop, lang) DO UPDATE SET count = count + excluded.count"
)


class SqliteStore(ScanStore):
    def __init__(self, path: Path) -> None:
        self.location = path
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=10)
        connection.execute("PRAGMA journal_mode=WAL")  # readers (audioguide stats) never block writers
        connection.executescript(SQLITE_SCHEMA)
        return connection

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except (sqlite3.Error, OSError) as exc:
            raise StatsDbError(f"scan statistics in {self.path}: {exc}") from exc

    def add(self, rows: list[Row]) -> None:
        with self._errors(), contextlib.closing(self._connect()) as connection, connection:
            connection.executemany(_SQLITE_UPSERT, rows)

    def read(self, since: str | None = None) -> list[Row]:
        if not self.path.is_file():
            return []
        query, params = _select_scans(since, "?", "day DESC, stop, lang")
        uri = f"file:{self.path}?mode=ro"
        with self._errors(), contextlib.closing(sqlite3.connect(uri, uri=True, timeout=10)) as connection:
            try:
                return [tuple(row) for row in connection.execute(query, params)]  # type: ignore[misc]
            except sqlite3.OperationalError:
                return []  # a file without the table: nothing counted yet

    @contextlib.contextmanager
    def log_import(self, identity: bytes) -> Iterator[LogImport]:
        with self._errors(), contextlib.closing(self._connect()) as connection:
            # Take the write lock before reading: a second import of the same log waits, then
            # sees what the first one counted.
            connection.execute("BEGIN IMMEDIATE")
            try:
                query = "SELECT lines FROM imported_logs WHERE log = ?"
                row = connection.execute(query, (identity,)).fetchone()
                batch = LogImport(done=row[0] if row else 0)
                yield batch
                connection.executemany(_SQLITE_UPSERT, batch.rows())
                connection.execute(
                    "INSERT INTO imported_logs (log, lines) VALUES (?, ?)"
                    " ON CONFLICT (log) DO UPDATE SET lines = max(lines, excluded.lines)",
                    (identity, batch.lines),
                )
                connection.commit()
            except BaseException:
                connection.rollback()  # an interrupted import counts nothing
                raise


# --- PostgreSQL: one database for several servers ----------------------------------------------

POSTGRES_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS scans (
        day   TEXT NOT NULL,
        stop  TEXT NOT NULL,
        lang  TEXT NOT NULL,
        count BIGINT NOT NULL,
        PRIMARY KEY (day, stop, lang)
    )""",
    """CREATE TABLE IF NOT EXISTS imported_logs (
        log   BYTEA PRIMARY KEY,
        lines BIGINT NOT NULL
    )""",
)
# Servers starting together would race on CREATE TABLE IF NOT EXISTS (a unique violation in the
# catalog); a transaction-scoped advisory lock lets one create the tables at a time.
_SCHEMA_LOCK = 0x617564696F  # "audio"
_POSTGRES_UPSERT = (
    "INSERT INTO scans (day, stop, lang, count) VALUES (%s, %s, %s, %s) "
    "ON CONFLICT (day, stop, lang) DO UPDATE SET count = scans.count + excluded.count"
)


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise StatsDbError(f"scan statistics in PostgreSQL need psycopg: {POSTGRES_INSTALL}") from None
    return psycopg


class PostgresStore(ScanStore):
    """Keeps one connection (the server's flush thread writes every few seconds) and opens a
    new one after a failure."""

    def __init__(self, url: str) -> None:
        self.location = url
        self.url = url
        self._psycopg = _psycopg()  # fail at start, not in the flush thread
        self._connection: Any = None
        self._schema_ready = False
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def _session(self, *, schema: bool) -> Iterator[Any]:
        """The connection, under the lock; any database error closes it and is reported."""
        with self._lock:
            try:
                if self._connection is None or self._connection.closed:
                    self._connection = self._psycopg.connect(self.url, autocommit=True, connect_timeout=10)
                    self._schema_ready = False
                if schema and not self._schema_ready:
                    self._create_tables()
                yield self._connection
            except self._psycopg.Error as exc:
                self._drop()
                raise StatsDbError(f"scan statistics in {describe(self.url)}: {exc}".strip()) from exc

    def _create_tables(self) -> None:
        # Looked up first: CREATE TABLE IF NOT EXISTS still needs the CREATE privilege, which a
        # server's account may rightly lack once the tables exist (PostgreSQL 15 grants none on
        # the public schema).
        query = "SELECT to_regclass('scans') IS NOT NULL AND to_regclass('imported_logs') IS NOT NULL"
        if not self._connection.execute(query).fetchone()[0]:
            with self._connection.transaction():
                self._connection.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                for statement in POSTGRES_SCHEMA:
                    self._connection.execute(statement)
        self._schema_ready = True

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.close()
        self._connection = None

    def add(self, rows: list[Row]) -> None:
        with self._session(schema=True) as connection, connection.transaction():
            # Sorted: two servers flushing at once lock rows in the same order (no deadlock).
            connection.cursor().executemany(_POSTGRES_UPSERT, sorted(rows))

    def read(self, since: str | None = None) -> list[Row]:
        # COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
        query, params = _select_scans(since, "%s", 'day DESC, stop COLLATE "C", lang COLLATE "C"')
        with self._session(schema=False) as connection:
            try:
                return [tuple(row) for row in connection.execute(query, params)]
            except self._psycopg.errors.UndefinedTable:
                return []  # no server has counted anything yet

    @contextlib.contextmanager
    def log_import(self, identity: bytes) -> Iterator[LogImport]:
        with self._session(schema=True) as connection, connection.transaction():
            # The row exists before it is locked, so a second import of this log waits here.
            connection.execute(
                "INSERT INTO imported_logs (log, lines) VALUES (%s, 0) ON CONFLICT (log) DO NOTHING",
                (identity,),
            )
            row = connection.execute(
                "SELECT lines FROM imported_logs WHERE log = %s FOR UPDATE", (identity,)
            ).fetchone()
            batch = LogImport(done=row[0])
            yield batch
            connection.cursor().executemany(_POSTGRES_UPSERT, batch.rows())
            connection.execute(
                "UPDATE imported_logs SET lines = GREATEST(lines, %s) WHERE log = %s", (batch.lines, identity)
            )

    def close(self) -> None:
        with self._lock:
            self._drop()
