"""Scan statistics: counted per stop, language and day; nothing about the visitor; batched."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

from audioguide.cli import cli
from audioguide.stats import ScanCounter, check_database, read_scans, summarize
from audioguide.web import create_app


def _rows(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT day, stop, lang, count FROM scans ORDER BY stop, lang").fetchall()


def test_scans_are_counted_per_stop_language_and_day(web_tour, tmp_path) -> None:
    db = tmp_path / "stats.sqlite3"
    # Each scan from another phone: no language remembered from the one before.
    client = create_app(web_tour, stats_db=db, testing=True).test_client(use_cookies=False)
    client.get("/s/gate?lang=ru", headers={"X-Forwarded-For": "10.1.2.3", "User-Agent": "Phone"})
    client.get("/s/entrance?lang=ru")  # an alias counts for the stop
    client.get("/s/gate", headers={"Accept-Language": "en"})
    client.get("/go?n=2&lang=kk")  # a typed number counts like a scan
    client.get("/s/nowhere")  # unknown stops are not counted
    client.head("/s/wall")  # nor link checkers' HEAD probes
    client.get("/en/gate")  # nor page views
    today = dt.date.today().isoformat()
    assert _rows(db) == [
        (today, "gate", "en", 1),
        (today, "gate", "ru", 2),
        (today, "wall", "kk", 1),
    ]
    # Nothing else is stored: the counts, and (for log imports) how far each log was read.
    with sqlite3.connect(db) as connection:
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        columns = [r[1] for r in connection.execute("PRAGMA table_info(scans)")]
        imported = [r[1] for r in connection.execute("PRAGMA table_info(imported_logs)")]
    assert tables == ["scans", "imported_logs"] and columns == ["day", "stop", "lang", "count"]
    assert imported == ["log", "lines"]
    assert b"10.1.2.3" not in db.read_bytes() and b"Phone" not in db.read_bytes()


def test_scan_sets_only_the_language_cookie(client) -> None:
    """A scan answers with the stop page, which remembers the language as every page does (before,
    the page it redirected to did): the code and nothing else, never read by the statistics."""
    cookies = client.get("/s/gate", headers={"Accept-Language": "ru"}).headers.getlist("Set-Cookie")
    assert len(cookies) == 1 and cookies[0].startswith("lang=ru;")
    assert not client.get("/s/wall", headers={"Accept-Language": "ru"}).headers.getlist("Set-Cookie")


def test_counter_batches_in_memory(tmp_path) -> None:
    db = tmp_path / "s.db"
    counter = ScanCounter(db, flush_interval=3600)
    for _ in range(1000):
        counter.record("gate", "kk")
    counter.record("wall", "en", day=dt.date(2025, 5, 31))
    assert not db.exists()  # nothing written on the hot path
    assert counter.flush() == 2
    assert counter.flush() == 0
    counter.record("gate", "kk")
    counter.close()  # at exit: the rest is written
    rows = {(r.stop, r.lang): r.count for r in read_scans(db)}
    assert rows == {("gate", "kk"): 1001, ("wall", "en"): 1}


def test_counter_is_thread_safe(tmp_path) -> None:
    import threading

    counter = ScanCounter(tmp_path / "s.db", flush_interval=0.01)
    threads = [
        threading.Thread(target=lambda: [counter.record("gate", "en") for _ in range(500)]) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counter.close()
    assert read_scans(tmp_path / "s.db")[0].count == 4000


def test_two_counters_share_a_database(tmp_path) -> None:
    """Several server processes may write to one file: counts add up."""
    db = tmp_path / "s.db"
    for _ in range(2):
        counter = ScanCounter(db, flush_interval=3600)
        counter.record("gate", "en")
        counter.flush()
    assert read_scans(db)[0].count == 2


def test_read_scans_days_window(tmp_path) -> None:
    db = tmp_path / "s.db"
    counter = ScanCounter(db, flush_interval=0)
    today = dt.date(2025, 6, 10)
    for days_ago in (0, 1, 6, 7, 30):
        counter.record("gate", "en", day=today - dt.timedelta(days=days_ago))
    assert len(read_scans(db, days=7, today=today)) == 3
    assert len(read_scans(db)) == 5
    assert read_scans(tmp_path / "missing.db") == []
    summary = summarize(read_scans(db))
    assert summary["totals"]["scans"] == 5 and summary["totals"]["by_stop"] == {"gate": 5}


def test_stats_command_table_and_json(runner, web_tour, tmp_path) -> None:
    db = tmp_path / "stats.sqlite3"
    result = runner.invoke(cli, ["stats", "--project", str(web_tour), "--stats-db", str(db)])
    assert result.exit_code == 0 and "No scans counted yet" in result.output
    counter = ScanCounter(db, flush_interval=0)
    counter.record("gate", "ru", day=dt.date(2025, 5, 1))
    counter.record("gate", "ru", day=dt.date(2025, 5, 1))
    counter.record("wall", "kk", day=dt.date(2025, 5, 2))
    result = runner.invoke(cli, ["stats", "--project", str(web_tour), "--stats-db", str(db)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["Day", "Stop", "en", "ru", "kk", "Total"]
    assert "2025-05-02   2 wall" in result.output
    assert lines[-1].split() == ["Total", "0", "2", "1", "3"]
    result = runner.invoke(cli, ["stats", "--project", str(web_tour), "--stats-db", str(db), "--json"])
    data = json.loads(result.output)
    assert {"day": "2025-05-01", "stop": "gate", "lang": "ru", "scans": 2} in data["rows"]
    assert data["totals"]["by_lang"] == {"kk": 1, "ru": 2}


def test_stats_default_database_is_in_the_project(runner, web_tour) -> None:
    client = create_app(web_tour, testing=True).test_client()
    client.get("/s/gate?lang=en")
    assert (web_tour / "stats.sqlite3").is_file()
    result = runner.invoke(cli, ["stats", "--project", str(web_tour), "--json"])
    assert json.loads(result.output)["totals"]["scans"] == 1


def test_counts_survive_a_database_folder_that_cannot_be_created(tmp_path, caplog) -> None:
    """Issue 11: the thread died on its first write (an OSError, not sqlite3.Error) and every
    later scan was lost. Now it logs once, keeps the counts and writes them when it can."""
    import time

    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be")
    db = blocker / "stats.sqlite3"
    assert check_database(db) is not None and str(db) in check_database(db)
    counter = ScanCounter(db, flush_interval=0.02)
    counter.record("gate", "en")
    time.sleep(0.2)  # several failed writes
    counter.record("gate", "en")
    time.sleep(0.1)
    assert counter._thread is not None and counter._thread.is_alive()
    failures = [r for r in caplog.records if "could not write scan statistics" in r.getMessage()]
    assert len(failures) == 1 and str(db) in failures[0].getMessage()  # once, not every 20 ms
    blocker.unlink()  # the operator fixes it
    deadline = time.monotonic() + 5
    while not db.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    counter.close()
    assert [(r.stop, r.count) for r in read_scans(db)] == [("gate", 2)]
    assert check_database(db) is None


def test_an_unexpected_error_does_not_stop_the_thread(tmp_path, monkeypatch) -> None:
    import time

    counter = ScanCounter(tmp_path / "s.db", flush_interval=0.02)
    calls = []

    def broken(rows):
        calls.append(rows)
        raise MemoryError("not a database error")

    monkeypatch.setattr(counter.store, "add", broken)
    counter.record("wall", "kk")
    time.sleep(0.15)
    assert len(calls) >= 2 and counter._thread is not None and counter._thread.is_alive()
    monkeypatch.undo()
    counter.close()
    assert read_scans(tmp_path / "s.db")[0].count == 1
