"""`audioguide check` keeps every code on a built poster resolvable."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from audioguide.cli import cli


def invoke(runner: CliRunner, *args: str):
    return runner.invoke(cli, list(args))


def rename_stop(root: Path, old: str, new: str, *, alias: bool) -> None:
    shutil.move(root / "stops" / old, root / "stops" / new)
    if alias:
        stop_yaml = root / "stops" / new / "stop.yaml"
        stop_yaml.write_text(stop_yaml.read_text(encoding="utf-8") + f"aliases: [{old}]\n", encoding="utf-8")


def test_check_passes_before_any_poster(tour_dir: Path, runner: CliRunner) -> None:
    result = invoke(runner, "check", "-p", str(tour_dir))
    assert result.exit_code == 0, result.output


def test_rename_without_alias_fails_check(tour_dir: Path, runner: CliRunner) -> None:
    assert invoke(runner, "qr", "-p", str(tour_dir)).exit_code == 0
    assert invoke(runner, "check", "-p", str(tour_dir)).exit_code == 0
    rename_stop(tour_dir, "gate", "entrance", alias=False)

    result = invoke(runner, "check", "-p", str(tour_dir))
    assert result.exit_code == 1
    assert (
        "stops/gate: error: the poster printed for stop 'gate' (number 1) no longer resolves:"
        " add 'gate' to the aliases: list in stops/entrance/stop.yaml, or reprint"
    ) in result.output

    # Building again does not make the printed poster work: the check keeps failing, and the
    # build itself warns.
    rebuilt = invoke(runner, "qr", "-p", str(tour_dir))
    assert rebuilt.exit_code == 0
    assert "poster printed for stop 'gate'" in rebuilt.output
    assert invoke(runner, "check", "-p", str(tour_dir)).exit_code == 1


def test_rename_with_alias_passes_check(tour_dir: Path, runner: CliRunner) -> None:
    assert invoke(runner, "qr", "-p", str(tour_dir)).exit_code == 0
    rename_stop(tour_dir, "gate", "entrance", alias=True)
    result = invoke(runner, "check", "-p", str(tour_dir))
    assert result.exit_code == 0, result.output
    # The alias keeps working after the new poster is built, too.
    assert invoke(runner, "qr", "-p", str(tour_dir)).exit_code == 0
    assert invoke(runner, "check", "-p", str(tour_dir)).exit_code == 0


def test_reprint_forgets_posters_of_removed_stops(tour_dir: Path, runner: CliRunner) -> None:
    assert invoke(runner, "qr", "-p", str(tour_dir)).exit_code == 0
    rename_stop(tour_dir, "wall", "names", alias=False)
    assert invoke(runner, "check", "-p", str(tour_dir)).exit_code == 1
    # `audioguide qr --force` is a new print run: the posters carrying 'wall' are replaced.
    assert invoke(runner, "qr", "-p", str(tour_dir), "--force").exit_code == 0
    result = invoke(runner, "check", "-p", str(tour_dir))
    assert result.exit_code == 0, result.output


def test_unreadable_state_is_a_warning_not_a_crash(tour_dir: Path, runner: CliRunner) -> None:
    (tour_dir / "qr").mkdir()
    (tour_dir / "qr" / "posters.json").write_text("[]", encoding="utf-8")
    result = invoke(runner, "check", "-p", str(tour_dir))
    assert result.exit_code == 0, result.output
    assert "qr/posters.json: warning" in result.output


def test_base_url_change_warns_about_printed_posters(tour_dir: Path, runner: CliRunner) -> None:
    assert invoke(runner, "qr", "-p", str(tour_dir)).exit_code == 0
    tour_yaml = tour_dir / "tour.yaml"
    text = tour_yaml.read_text(encoding="utf-8").replace("http://127.0.0.1:8000", "https://guide.example.org")
    tour_yaml.write_text(text, encoding="utf-8")
    result = invoke(runner, "check", "-p", str(tour_dir))
    assert result.exit_code == 0
    assert "posters were built for http://127.0.0.1:8000" in result.output


def test_stop_id_posters_is_refused(make_tour, runner: CliRunner) -> None:
    root = make_tour(stops={"posters": {"en": "Text.", "ru": "Текст.", "kk": "Мәтін."}})
    result = invoke(runner, "check", "-p", str(root))
    assert result.exit_code == 1
    assert "stops/posters: error: the id 'posters' is taken by qr/posters.pdf" in result.output
    result = invoke(runner, "qr", "-p", str(root))
    assert result.exit_code == 1
    assert not (root / "qr" / "posters.pdf").exists()
