"""Scan statistics: how many times each stop was opened, per language and day.

Privacy by construction: a row is (day, stop, language, count) and nothing else. No IP address,
no cookie, no user agent, no time of day finer than the date is ever stored.

Speed: a QR scan must not wait for a disk commit, so increments are gathered in memory and
written by a background thread every few seconds (and at exit). The upsert adds to the stored
count, so several server processes can share one database file, and several servers one
PostgreSQL database (statsdb.py holds both backends).
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from audioguide.scanlog import log_identity, read_lines, scans_in
from audioguide.statsdb import StatsLocation, describe, location_of, open_store

log = logging.getLogger(__name__)

# Where the server writes and `audioguide stats` reads, unless --stats-db says otherwise.
DEFAULT_DB_NAME = "stats.sqlite3"


def stats_db_path(project: Path, stats_db: StatsLocation | None = None) -> StatsLocation:
    """The scan database of a project: `stats_db` if given (a path, or a postgresql:// URL for
    several servers), else stats.sqlite3 in the project."""
    return location_of(stats_db) if stats_db is not None else project / DEFAULT_DB_NAME


@dataclass(frozen=True)
class ScanRow:
    day: str
    stop: str
    lang: str
    count: int

    def as_dict(self) -> dict[str, str | int]:
        return {"day": self.day, "stop": self.stop, "lang": self.lang, "scans": self.count}


class ScanCounter:
    """Thread-safe in-memory counter flushed to the store every `flush_interval` seconds.

    `flush_interval=0` writes on every record (tests, and tools that count one thing).
    """

    def __init__(self, path: StatsLocation, *, flush_interval: float = 5.0) -> None:
        self.path = path
        self.store = open_store(path)  # raises StatsDbError now if PostgreSQL has no driver
        self.flush_interval = flush_interval
        self._pending: Counter[tuple[str, str, str]] = Counter()
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._atexit_registered = False
        self._failing: str | None = None  # the last write error, logged once until writes work again

    def record(self, stop_id: str, lang: str, day: dt.date | None = None) -> None:
        key = ((day or dt.date.today()).isoformat(), stop_id, lang)
        with self._lock:
            self._pending[key] += 1
            if self._thread is None and self.flush_interval > 0:
                self._start()
        if self.flush_interval <= 0:
            self.flush()

    def _start(self) -> None:
        # Started lazily on the first scan so that importing or testing the app starts no thread.
        self._thread = threading.Thread(target=self._run, name="scan-stats", daemon=True)
        self._thread.start()
        if not self._atexit_registered:
            atexit.register(self.close)
            self._atexit_registered = True

    def _run(self) -> None:
        while not self._stop.wait(self.flush_interval):
            try:
                self.flush()
            except Exception:  # flush() never raises; if it ever did, the counting must go on
                log.exception("scan statistics: unexpected error; will try again")

    def flush(self) -> int:
        """Write pending counts; returns how many rows were written. Never raises."""
        with self._lock:
            pending, self._pending = self._pending, Counter()
        if not pending:
            return 0
        rows = [(day, stop, lang, count) for (day, stop, lang), count in pending.items()]
        try:
            with self._write_lock:
                self.store.add(rows)  # one transaction for the whole batch
        except Exception as exc:
            # Keep the counts for the next attempt rather than losing them: a locked database, a
            # full disk, a database server restarting, or a folder that cannot be created (an
            # OSError once killed this thread on its first write and lost every scan after it).
            with self._lock:
                self._pending.update(pending)
            message = f"{type(exc).__name__}: {exc}"
            if message != self._failing:  # once per distinct error, not every few seconds
                self._failing = message
                log.warning(
                    "could not write scan statistics to %s (%s); the counts are kept in memory"
                    " and written when it works again",
                    describe(self.path),  # never a database password in the log
                    message,
                )
            return 0
        if self._failing is not None:
            self._failing = None
            log.warning("scan statistics written to %s again", describe(self.path))
        return len(rows)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self.flush()
        self.store.close()


def import_log(
    path: StatsLocation, log: Path, *, stops: dict[str, str], languages: list[str], prefix: str = ""
) -> tuple[int, int]:
    """Count the scans of an access log, each line once however often the log is imported.
    Returns (scans counted now, lines skipped as counted before). One transaction: an
    interrupted import counts nothing, and running it again counts everything once."""
    identity = log_identity(log)
    if identity is None:
        return 0, 0
    with open_store(path) as store, store.log_import(identity) as batch:
        counted = 0

        def counting_lines() -> Iterator[str]:
            for line in read_lines(log):
                batch.lines += 1
                yield line

        for scan in scans_in(counting_lines(), stops=stops, languages=languages, prefix=prefix):
            if scan.line >= batch.done:
                batch.count(scan.day, scan.stop, scan.lang)
                counted += 1
    return counted, min(batch.done, batch.lines)


def check_database(location: StatsLocation) -> str | None:
    """None when scan counts can be written to `location` (creating the folder and the table);
    otherwise what is wrong and what to do, for `audioguide serve` to say at start."""
    try:
        with open_store(location) as store:
            store.add([])
    except Exception as exc:
        return (
            f"cannot write scan statistics to {describe(location)}: {exc}. Scans are counted in memory and"
            " written once it works: make the folder writable for this user, or choose another"
            " database with --stats-db (or AUDIOGUIDE_STATS_DB)."
        )
    return None


def read_scans(
    path: StatsLocation, *, days: int | None = None, today: dt.date | None = None
) -> list[ScanRow]:
    """Rows newest day first; `days=N` keeps the last N days including today."""
    since = None
    if days is not None:
        since = ((today or dt.date.today()) - dt.timedelta(days=days - 1)).isoformat()
    with open_store(path) as store:
        return [ScanRow(*row) for row in store.read(since)]


def summarize(rows: list[ScanRow]) -> dict[str, object]:
    """The JSON document of `audioguide stats --json` (and later the staff tools)."""
    by_stop: Counter[str] = Counter()
    by_lang: Counter[str] = Counter()
    by_day: Counter[str] = Counter()
    for row in rows:
        by_stop[row.stop] += row.count
        by_lang[row.lang] += row.count
        by_day[row.day] += row.count
    return {
        "rows": [row.as_dict() for row in rows],
        "totals": {
            "scans": sum(by_stop.values()),
            "by_stop": dict(sorted(by_stop.items())),
            "by_lang": dict(sorted(by_lang.items())),
            "by_day": dict(sorted(by_day.items(), reverse=True)),
        },
    }
