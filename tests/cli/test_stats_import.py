"""`audioguide stats import`: QR scans counted from access logs, through the command line; and
`audioguide stats` itself still works as a group with its own options."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from audioguide.cli import cli
from audioguide.stats import read_scans

AGENT = '"-" "Mozilla/5.0 (iPhone)"'


def line(addr: str, time: str, target: str, status: int = 200) -> str:
    return f'{addr} - - [{time} +0500] "GET {target} HTTP/1.1" {status} 512 {AGENT}'


LOG = [
    line("10.0.0.1", "01/May/2026:10:00:00", "/s/gate"),
    line("10.0.0.1", "01/May/2026:10:00:01", "/ru/gate"),
    line("10.0.0.2", "01/May/2026:10:05:00", "/s/entrance?lang=kk"),  # an alias, language given
    line("10.0.0.3", "02/May/2026:09:00:00", "/s/wall"),
    line("10.0.0.3", "02/May/2026:09:00:02", "/en/wall"),
    line("10.0.0.4", "02/May/2026:09:10:00", "/s/nowhere"),  # not a stop
    line("10.0.0.5", "02/May/2026:09:20:00", "/en/gate"),  # a page view, no scan
]


@pytest.fixture
def tour_dir(tour_dir: Path) -> Path:
    """The tiny tour; 'gate' was once called 'entrance' (old posters still say so)."""
    (tour_dir / "stops" / "gate" / "stop.yaml").write_text(
        "number: 1\naliases: [entrance]\n", encoding="utf-8"
    )
    return tour_dir


def write_log(path: Path, lines: list[str]) -> Path:
    text = "\n".join(lines) + "\n"
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def counts(db: Path) -> list[tuple[str, str, str, int]]:
    return [(row.day, row.stop, row.lang, row.count) for row in read_scans(db)]


EXPECTED = [
    ("2026-05-02", "wall", "en", 1),
    ("2026-05-01", "gate", "kk", 1),
    ("2026-05-01", "gate", "ru", 1),
]


def test_import_twice_counts_once(runner: CliRunner, tour_dir: Path, tmp_path: Path) -> None:
    db, log = tmp_path / "stats.sqlite3", write_log(tmp_path / "access.log", LOG)
    args = ["stats", "import", "--project", str(tour_dir), "--stats-db", str(db), str(log)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.output == f"{log}: 3 scans counted, 0 lines already counted before\n"
    again = runner.invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert again.output == f"{log}: 0 scans counted, 7 lines already counted before\n"
    assert counts(db) == EXPECTED
    # The table reads what was imported.
    table = runner.invoke(cli, ["stats", "--project", str(tour_dir), "--stats-db", str(db)])
    assert table.exit_code == 0 and "2026-05-02   2 wall" in table.output


def test_import_a_grown_log_then_its_gzipped_rotation(
    runner: CliRunner, tour_dir: Path, tmp_path: Path
) -> None:
    """nginx appends to access.log, then logrotate renames and gzips it: each scan once."""
    db = tmp_path / "stats.sqlite3"
    live = write_log(tmp_path / "access.log", LOG[:2])
    base = ["stats", "--project", str(tour_dir), "--stats-db", str(db), "import"]  # options on the group
    assert "1 scan counted, 0 lines" in runner.invoke(cli, [*base, str(live)]).output
    rotated = write_log(tmp_path / "access.log.1.gz", LOG)
    result = runner.invoke(cli, [*base, str(rotated)])
    assert result.exit_code == 0, result.output
    assert result.output == f"{rotated}: 2 scans counted, 2 lines already counted before\n"
    assert counts(db) == EXPECTED


def test_several_logs_and_the_default_database(runner: CliRunner, tour_dir: Path, tmp_path: Path) -> None:
    first = write_log(tmp_path / "a.log", LOG[:3])
    second = write_log(tmp_path / "b.log.gz", LOG[3:])
    result = runner.invoke(cli, ["stats", "import", "-p", str(tour_dir), str(first), str(second)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{first}: 2 scans counted, 0 lines already counted before",
        f"{second}: 1 scan counted, 0 lines already counted before",
    ]
    data = json.loads(runner.invoke(cli, ["stats", "-p", str(tour_dir), "--json"]).output)
    assert data["totals"]["scans"] == 3 and (tour_dir / "stats.sqlite3").is_file()


def test_prefix_from_the_option_or_base_url(runner: CliRunner, make_tour, tmp_path: Path) -> None:
    prefixed = [
        line("10.0.0.1", "01/May/2026:10:00:00", "/guide/s/gate?lang=en"),
        line("10.0.0.2", "01/May/2026:10:00:00", "/s/wall?lang=en"),  # another site on the host
    ]
    log = write_log(tmp_path / "access.log", prefixed)
    root = make_tour("root")
    db = tmp_path / "one.sqlite3"
    result = runner.invoke(
        cli, ["stats", "import", "-p", str(root), "--stats-db", str(db), "--prefix", "/guide/", str(log)]
    )
    assert result.exit_code == 0, result.output
    assert counts(db) == [("2026-05-01", "gate", "en", 1)]
    # A tour served under https://example.org/guide needs no --prefix.
    under = make_tour("under", base_url="https://example.org/guide")
    db = tmp_path / "two.sqlite3"
    result = runner.invoke(cli, ["stats", "import", "-p", str(under), "--stats-db", str(db), str(log)])
    assert result.exit_code == 0, result.output
    assert counts(db) == [("2026-05-01", "gate", "en", 1)]


def test_unreadable_log_and_missing_tour_are_clear_errors(
    runner: CliRunner, tour_dir: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "access.log.2.gz"
    broken.write_bytes(gzip.compress(("\n".join(LOG) + "\n").encode())[:40])  # a truncated copy
    result = runner.invoke(
        cli, ["stats", "import", "-p", str(tour_dir), "--stats-db", str(tmp_path / "s.db"), str(broken)]
    )
    assert result.exit_code == 1 and "cannot read it as an access log" in result.output
    assert read_scans(tmp_path / "s.db") == []  # nothing half-counted
    result = runner.invoke(cli, ["stats", "import", "-p", str(tmp_path / "nowhere"), str(broken)])
    assert result.exit_code == 1 and "tour.yaml" in result.output
    result = runner.invoke(cli, ["stats", "import", "-p", str(tour_dir), str(tmp_path / "missing.log")])
    assert result.exit_code == 2 and "does not exist" in result.output
