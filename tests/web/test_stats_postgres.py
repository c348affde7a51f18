"""Scan counts in PostgreSQL, for several servers: a real server started by the `postgres`
fixture (tests/conftest.py). Counts from several servers add up, `audioguide stats` reads them,
and a log import is counted once; without psycopg the error names the install command."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

from click.testing import CliRunner

from audioguide.cli import cli
from audioguide.stats import ScanCounter, import_log, read_scans
from tests.test_scanlog import LANGS, STOPS, line

DAY = dt.date(2026, 5, 1)


def rows(url: str) -> list[tuple[str, str, str, int]]:
    return [(r.day, r.stop, r.lang, r.count) for r in read_scans(url)]


def test_two_servers_counting_into_one_database_add_up(pg_url: str) -> None:
    first, second = ScanCounter(pg_url, flush_interval=3600), ScanCounter(pg_url, flush_interval=3600)
    for _ in range(3):
        first.record("gate", "en", day=DAY)
    second.record("gate", "en", day=DAY)
    second.record("wall", "kk", day=DAY)
    assert read_scans(pg_url) == []  # nothing written yet; reading creates nothing either
    assert first.flush() == 1 and second.flush() == 2
    second.record("gate", "en", day=DAY)
    first.close(), second.close()  # at exit: the rest
    assert rows(pg_url) == [("2026-05-01", "gate", "en", 5), ("2026-05-01", "wall", "kk", 1)]


def test_flush_threads_of_many_servers_at_once(pg_url: str) -> None:
    """Four servers' flush threads writing the same rows concurrently: no count lost, and no
    deadlock (each batch locks its rows in the same order)."""
    counters = [ScanCounter(pg_url, flush_interval=0.01) for _ in range(4)]
    stops = ["wall", "gate", "tower", "pond"]

    def visitors(counter: ScanCounter, offset: int) -> None:
        for n in range(400):
            counter.record(stops[(n + offset) % 4], "en", day=DAY)

    threads = [threading.Thread(target=visitors, args=(c, i)) for i, c in enumerate(counters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for counter in counters:
        counter.close()
    assert {stop: count for _, stop, _, count in rows(pg_url)} == dict.fromkeys(sorted(stops), 400)


def test_stats_command_reads_postgresql(pg_url: str, web_tour: Path, monkeypatch) -> None:
    counter = ScanCounter(pg_url, flush_interval=0)
    counter.record("gate", "ru", day=DAY)
    counter.record("gate", "ru", day=DAY)
    counter.record("wall", "kk", day=DAY + dt.timedelta(days=1))
    runner = CliRunner()
    table = runner.invoke(cli, ["stats", "-p", str(web_tour), "--stats-db", pg_url])
    assert table.exit_code == 0, table.output
    assert "2026-05-02   2 wall" in table.output and table.output.splitlines()[-1].split() == [
        "Total",
        "0",
        "2",
        "1",
        "3",
    ]
    monkeypatch.setenv("AUDIOGUIDE_STATS_DB", pg_url)  # as a service would set it
    data = json.loads(runner.invoke(cli, ["stats", "-p", str(web_tour), "--json", "--days", "10000"]).output)
    assert data["totals"]["by_lang"] == {"kk": 1, "ru": 2}
    assert not (web_tour / "stats.sqlite3").exists()


def test_server_counts_into_postgresql(pg_url: str, web_tour: Path) -> None:
    """`audioguide serve --stats-db postgresql://...`: scans and beacons reach the database
    through the flush thread."""
    from audioguide.web import create_app

    app = create_app(web_tour, stats_db=pg_url, stats_flush_interval=0.05)
    client = app.test_client()
    client.get("/s/gate?lang=ru")
    client.get("/s/entrance?lang=ru")
    assert client.post("/api/v1/scans", json={"stop": "wall", "lang": "en"}).status_code == 204
    app.extensions["audioguide"].counter.close()
    today = dt.date.today().isoformat()
    assert rows(pg_url) == [(today, "gate", "ru", 2), (today, "wall", "en", 1)]


def test_import_log_into_postgresql_is_idempotent(pg_url: str, tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text(
        "\n".join(
            [
                line("10.0.0.1", "01/May/2026:10:00:00", "/s/gate?lang=en"),
                line("10.0.0.2", "01/May/2026:11:00:00", "/s/entrance"),
                line("10.0.0.2", "01/May/2026:11:00:02", "/kk/gate"),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    assert import_log(pg_url, log, stops=STOPS, languages=LANGS) == (2, 0)
    assert import_log(pg_url, log, stops=STOPS, languages=LANGS) == (0, 3)
    ScanCounter(pg_url, flush_interval=0).record("gate", "en", day=DAY)  # a live scan adds to it
    assert rows(pg_url) == [("2026-05-01", "gate", "en", 2), ("2026-05-01", "gate", "kk", 1)]


def test_stats_import_command_into_postgresql(pg_url: str, web_tour: Path, tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text(line("10.0.0.1", "01/May/2026:10:00:00", "/s/gate?lang=en") + "\n", encoding="utf-8")
    runner = CliRunner()
    args = ["stats", "import", "-p", str(web_tour), "--stats-db", pg_url, str(log)]
    assert runner.invoke(cli, args).output == f"{log}: 1 scan counted, 0 lines already counted before\n"
    assert runner.invoke(cli, args).output == f"{log}: 0 scans counted, 1 line already counted before\n"
    assert rows(pg_url) == [("2026-05-01", "gate", "en", 1)]


def test_same_schema_as_sqlite(pg_url: str) -> None:
    import psycopg

    ScanCounter(pg_url, flush_interval=0).record("gate", "en")
    with psycopg.connect(pg_url) as connection:
        columns = connection.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
        ).fetchall()
    assert columns == [
        ("imported_logs", "log"),
        ("imported_logs", "lines"),
        ("scans", "day"),
        ("scans", "stop"),
        ("scans", "lang"),
        ("scans", "count"),
    ]


def test_an_account_without_create_privilege_counts_once_the_tables_exist(pg_url: str) -> None:
    import psycopg

    ScanCounter(pg_url, flush_interval=0).record("gate", "en", day=DAY)  # the owner creates them
    with psycopg.connect(pg_url, autocommit=True) as connection:
        connection.execute("CREATE ROLE guide_server LOGIN")
        connection.execute("GRANT SELECT, INSERT, UPDATE ON scans, imported_logs TO guide_server")
    server_url = pg_url.replace("//audioguide@", "//guide_server@")
    counter = ScanCounter(server_url, flush_interval=3600)
    counter.record("gate", "en", day=DAY)
    assert counter.flush() == 1
    counter.close()
    assert rows(server_url) == [("2026-05-01", "gate", "en", 2)]
    with psycopg.connect(pg_url, autocommit=True) as connection:
        connection.execute("DROP OWNED BY guide_server")
        connection.execute("DROP ROLE guide_server")


def test_unreachable_database_keeps_the_counts(postgres, caplog) -> None:
    url = f"postgresql://nobody:secret@127.0.0.1:{postgres.port}/no_such_database"
    counter = ScanCounter(url, flush_interval=3600)
    counter.record("gate", "en", day=DAY)
    assert counter.flush() == 0  # logged, kept for the next attempt
    assert "no_such_database" in caplog.text and "secret" not in caplog.text
    result = CliRunner().invoke(cli, ["stats", "--stats-db", url])
    assert result.exit_code == 1 and "no_such_database" in result.output and "secret" not in result.output
    assert counter._pending  # still there
    counter._pending.clear()  # (or the exit hook would try once more)
    counter.close()
