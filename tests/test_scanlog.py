"""Scans counted from access logs: which lines are scans, their language, their day."""

from __future__ import annotations

import gzip
from pathlib import Path

from audioguide.scanlog import read_lines, scans_in

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


def test_the_same_line_has_the_same_digest_and_gzip_reads(tmp_path: Path) -> None:
    text = line("10.0.0.1", "01/May/2026:10:00:00", "/s/gate?lang=en") + "\n"
    plain, packed = tmp_path / "access.log", tmp_path / "access.log.2.gz"
    plain.write_text(text, encoding="utf-8")
    with gzip.open(packed, "wt", encoding="utf-8") as handle:
        handle.write(text)
    first = list(scans_in(read_lines(plain), stops=STOPS, languages=LANGS))
    second = list(scans_in(read_lines(packed), stops=STOPS, languages=LANGS))
    assert first == second and len(first) == 1
