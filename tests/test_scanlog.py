"""Scans counted from access logs: which lines are scans, their language, their day."""

from __future__ import annotations

import gzip
from pathlib import Path

from audioguide.scanlog import scans_in
from audioguide.stats import import_log, read_scans

STOPS = {"gate": "gate", "wall": "wall", "entrance": "gate"}
LANGS = ["kk", "ru", "en"]
AGENT = '"-" "Mozilla/5.0 (Linux; Android 10)"'


def line(addr: str, time: str, target: str, status: int = 200, agent: str = AGENT) -> str:
    return f'{addr} - - [{time} +0500] "GET {target} HTTP/1.1" {status} 512 {agent}'


def counted(lines: list[str], **kwargs) -> list[tuple[str, str, str]]:
    return [(s.day, s.stop, s.lang) for s in scans_in(lines, stops=STOPS, languages=LANGS, **kwargs)]


def test_scan_takes_the_language_of_the_page_opened_next() -> None:
    log = [
        line("10.0.0.1", "01/May/2026:10:00:00", "/s/gate"),
        line("10.0.0.1", "01/May/2026:10:00:01", "/a/0123/app.js"),
        line("10.0.0.1", "01/May/2026:10:00:01", "/ru/gate"),
    ]
    assert counted(log) == [("2026-05-01", "gate", "ru")]


def test_lang_in_the_query_alias_and_undetermined() -> None:
    log = [
        line("10.0.0.2", "01/May/2026:23:59:59", "/s/entrance?lang=kk", status=302),
        line("10.0.0.3", "02/May/2026:08:00:00", "/s/wall"),  # never opened a page: und
        line("10.0.0.4", "02/May/2026:08:00:00", "/s/nowhere"),  # not a stop
        line("10.0.0.5", "02/May/2026:08:00:00", "/s/gate", status=404),
        '10.0.0.6 - - [02/May/2026:08:00:00 +0500] "HEAD /s/gate HTTP/1.1" 200 0',  # a link checker
        "garbage line",
    ]
    assert counted(log) == [("2026-05-01", "gate", "kk"), ("2026-05-02", "wall", "und")]


def test_a_page_long_after_the_scan_is_not_paired() -> None:
    log = [
        line("10.0.0.1", "01/May/2026:10:00:00", "/s/gate"),
        line("10.0.0.1", "01/May/2026:10:30:00", "/en/gate"),
    ]
    assert counted(log) == [("2026-05-01", "gate", "und")]


def test_site_under_a_path_prefix_and_common_format() -> None:
    log = [
        '10.0.0.1 - - [01/May/2026:10:00:00 +0500] "GET /guide/s/gate HTTP/1.1" 200 300',
        '10.0.0.1 - - [01/May/2026:10:00:02 +0500] "GET /guide/en/gate HTTP/1.1" 200 9000',
    ]
    assert counted(log, prefix="/guide") == [("2026-05-01", "gate", "en")]


def test_importing_a_log_again_grown_or_rotated_counts_each_scan_once(tmp_path: Path) -> None:
    db, log = tmp_path / "stats.sqlite3", tmp_path / "access.log"
    first = [line("10.0.0.1", "01/May/2026:10:00:00", "/s/gate?lang=en")]
    log.write_text("\n".join(first) + "\n", encoding="utf-8")
    assert import_log(db, log, stops=STOPS, languages=LANGS) == (1, 0)
    assert import_log(db, log, stops=STOPS, languages=LANGS) == (0, 1)
    grown = [
        *first,
        line("10.0.0.2", "01/May/2026:11:00:00", "/s/wall"),
        line("10.0.0.2", "01/May/2026:11:00:03", "/kk/wall"),
    ]
    rotated = tmp_path / "access.log.1.gz"
    with gzip.open(rotated, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(grown) + "\n")
    assert import_log(db, rotated, stops=STOPS, languages=LANGS) == (1, 1)
    assert import_log(db, rotated, stops=STOPS, languages=LANGS) == (0, 3)
    rows = [(r.day, r.stop, r.lang, r.count) for r in read_scans(db)]
    assert rows == [("2026-05-01", "gate", "en", 1), ("2026-05-01", "wall", "kk", 1)]
