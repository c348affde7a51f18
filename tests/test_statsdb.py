"""The storage seam of the scan statistics (statsdb.py): locations, SQLite's import locking, and
the clear error when PostgreSQL is asked for without its driver. The PostgreSQL backend itself
is tested against a real server in tests/web/test_stats_postgres.py."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from audioguide.cli import cli
from audioguide.stats import import_log, read_scans, stats_db_path
from audioguide.statsdb import (
    POSTGRES_INSTALL,
    PostgresStore,
    SqliteStore,
    StatsDbError,
    describe,
    location_of,
    open_store,
)
from tests.test_scanlog import LANGS, STOPS, line


def test_locations() -> None:
    assert location_of("postgresql://u@h:5432/db") == "postgresql://u@h:5432/db"
    assert location_of("stats.sqlite3") == Path("stats.sqlite3")
    assert stats_db_path(Path("/srv/tour")) == Path("/srv/tour/stats.sqlite3")
    assert stats_db_path(Path("/srv/tour"), "postgres://h/db") == "postgres://h/db"
    assert isinstance(open_store(Path("x.db")), SqliteStore)
    assert isinstance(open_store("postgresql://h/db"), PostgresStore)
    assert (
        describe("postgresql://u:pw@h:5432/db?sslmode=require") == "postgresql://u@h:5432/db?sslmode=require"
    )
    assert describe("postgres://h/db") == "postgres://h/db"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_concurrent_imports_of_one_log_count_it_once(backend: str, request, tmp_path: Path) -> None:
    """Three imports of one log at once (cron overlapping a manual run): the first counts it,
    the others wait for it and then skip every line."""
    db = tmp_path / "stats.sqlite3" if backend == "sqlite" else request.getfixturevalue("pg_url")
    log = tmp_path / "access.log"
    log.write_text(
        "\n".join(line(f"10.0.1.{n}", "01/May/2026:10:00:00", "/s/wall?lang=ru") for n in range(200)) + "\n",
        encoding="utf-8",
    )
    results: list[tuple[int, int]] = []
    threads = [
        threading.Thread(target=lambda: results.append(import_log(db, log, stops=STOPS, languages=LANGS)))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [(0, 200), (0, 200), (200, 0)]
    assert [(r.stop, r.count) for r in read_scans(db)] == [("wall", 200)]


def test_an_interrupted_import_counts_nothing(tmp_path: Path) -> None:
    db = tmp_path / "stats.sqlite3"
    store = open_store(db)
    with pytest.raises(KeyboardInterrupt), store.log_import(b"log") as batch:
        batch.count("2026-05-01", "gate", "en")
        batch.lines = 1
        raise KeyboardInterrupt
    assert store.read() == []
    with store.log_import(b"log") as batch:
        assert batch.done == 0


def test_an_unwritable_database_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(StatsDbError, match=r"dir\.db"):
        open_store(tmp_path / "dir.db").add([("2026-05-01", "gate", "en", 1)])


def test_without_psycopg_the_error_names_the_install_command(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # `import psycopg` now fails
    with pytest.raises(StatsDbError, match=r"pip install 'audioguide\[postgres\]'"):
        open_store("postgresql://localhost/stats")
    result = CliRunner().invoke(cli, ["stats", "--stats-db", "postgresql://localhost/stats"])
    assert result.exit_code == 1 and POSTGRES_INSTALL in result.output, result.output
    assert "Traceback" not in result.output
    # `audioguide serve` refuses to start (create_app makes the counter) rather than lose counts.
    from audioguide.web import create_app

    with pytest.raises(StatsDbError, match=r"audioguide\[postgres\]"):
        create_app(tmp_path, stats_db="postgresql://localhost/stats", testing=True)


def test_describe_never_shows_a_password() -> None:
    from audioguide.statsdb import describe

    assert describe("postgresql://u:pw@h:5432/db") == "postgresql://u@h:5432/db"
    shown = describe("postgresql://u@h/db?password=s3cret&sslmode=require")
    assert "s3cret" not in shown and "sslmode=require" in shown
