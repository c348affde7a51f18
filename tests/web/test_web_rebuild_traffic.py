"""Never a wrong byte: rebuilds that change and revert the audio while visitors fetch random
ranges of the media URLs the pages name, from a real `audioguide serve`. Every body is compared
with the bytes of the version its hash names. (bench/faults.py 'live': 20 rebuilds, 12 threads.)"""

from __future__ import annotations

from pathlib import Path

from tests.helpers.processes import run_build
from tests.helpers.tours import write_tour
from tests.helpers.traffic import Traffic, Versions
from tests.helpers.web_fixtures import running_server


def stops(version: int) -> dict[str, dict[str, str]]:
    return {
        "gate": {"en": f"Version {version}. The gate of the memorial. Visitors enter in silence."},
        "wall": {"en": f"Version {version}. The wall of names."},
    }


def test_rebuilds_under_traffic_never_serve_a_wrong_byte(tmp_path: Path) -> None:
    root = write_tour(tmp_path / "tour", languages=("en",), stops=stops(0))
    versions = Versions()
    code, output = run_build(root, "--jobs", "1")
    assert code == 0, output
    versions.record(root / "audio")
    with running_server(root, tmp_path / "stats.sqlite3") as (base, _):
        port = int(base.rsplit(":", 1)[1])
        with Traffic("127.0.0.1", port, ["/en/gate", "/en/wall"], versions, threads=4) as traffic:
            for version in (1, 0, 1):  # change, revert (the first hashes come back), change
                write_tour(root, languages=("en",), stops=stops(version))
                code, output = run_build(root, "--jobs", "1")
                assert code == 0, output
                versions.record(root / "audio")
    tally = traffic.tally
    assert tally.requests > 50 and tally.checked_bytes > 0, tally
    assert tally.wrong == [], tally.wrong[:5]
    assert tally.errors == [], tally.errors[:5]
    assert set(tally.statuses) <= {200, 206, 302, 404}, tally.statuses
