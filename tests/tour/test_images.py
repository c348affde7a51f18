"""A stop's `image:` is published only when it is a real photo inside the stop's folder (issue 11)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from audioguide.cli import cli
from audioguide.tour.load import load_tour
from audioguide.web import create_app
from tests.tour.test_check import check, find


def _set_image(root: Path, stop: str, value: str) -> int:
    """Appends `image: value` to the stop's stop.yaml; returns its line."""
    stop_yaml = root / "stops" / stop / "stop.yaml"
    lines = stop_yaml.read_text(encoding="utf-8").splitlines()
    stop_yaml.write_text("\n".join([*lines, f"image: {value}"]) + "\n", encoding="utf-8")
    return len(lines) + 1


def _photo(path: Path, fmt: str) -> Path:
    Image.new("RGB", (8, 6), (120, 90, 60)).save(path, format=fmt)
    return path


@pytest.mark.parametrize(
    ("name", "fmt", "mimetype"),
    [
        ("photo.jpg", "JPEG", "image/jpeg"),
        ("photo.png", "PNG", "image/png"),
        ("photo.webp", "WEBP", "image/webp"),
        ("photo.gif", "GIF", "image/gif"),
        ("photo.avif", "AVIF", "image/avif"),
        ("misnamed.jpg", "PNG", "image/png"),  # served as what it is, not as its name says
    ],
)
def test_real_photos_are_accepted_and_served_as_what_they_are(
    make_tour, runner: CliRunner, tmp_path: Path, name: str, fmt: str, mimetype: str
) -> None:
    root = make_tour()
    _photo(root / "stops" / "gate" / name, fmt)
    _set_image(root, "gate", name)
    code, _, output = check(runner, root)
    assert code == 0, output
    client = create_app(root, stats_db=tmp_path / "s.db", testing=True).test_client()
    url = client.get("/api/v1/stops/gate?lang=en").get_json()["image"].removeprefix("http://localhost")
    response = client.get(url)
    assert response.status_code == 200 and response.headers["Content-Type"] == mimetype


def _text_file(stop: Path) -> str:
    (stop / "photo.jpg").write_text("not a photo at all\n", encoding="utf-8")
    return "photo.jpg"


def _link_outside(stop: Path) -> str:
    outside = _photo(stop.parents[2] / "elsewhere.png", "PNG")  # a real image, but outside
    (stop / "photo.png").symlink_to(outside)
    return "photo.png"


def _link_to_narration(stop: Path) -> str:
    (stop / "photo.jpg").symlink_to(stop / "en.md")
    return "photo.jpg"


def _svg(stop: Path) -> str:
    (stop / "plan.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "utf-8")
    return "plan.svg"


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (_text_file, "is not a JPEG, PNG, WebP, GIF or AVIF image (Pillow cannot read it"),
        (lambda stop: "en.md", "is a narration file"),
        (lambda stop: "stop.yaml", "is a narration file"),
        (lambda stop: "../wall/en.md", "is a narration file"),
        (lambda stop: "../../tour.yaml", "leads outside the stop's folder"),
        (_link_outside, "leads outside the stop's folder"),
        (_link_to_narration, "leads to the narration file en.md"),
        (_svg, "(it is SVG)"),
    ],
    ids=["text", "en.md", "stop.yaml", "other-stop-md", "dotdot", "symlink-out", "symlink-md", "svg"],
)
def test_what_is_not_a_photo_is_an_error_at_its_line_and_never_served(
    make_tour, runner: CliRunner, tmp_path: Path, make, needle: str
) -> None:
    root = make_tour()
    stop = root / "stops" / "gate"
    line = _set_image(root, "gate", make(stop))
    code, problems, output = check(runner, root)
    assert code == 1, output
    assert find(problems, "stops/gate/stop.yaml", needle) == [(line, "error")], output
    # The server publishes the rest of the tour, never that file.
    client = create_app(root, stats_db=tmp_path / "s.db", testing=True).test_client()
    assert client.get("/api/v1/stops/gate?lang=en").get_json()["image"] is None
    assert "/img/" not in client.get("/en/gate").get_data(as_text=True)


def test_a_stop_folder_linked_from_outside_the_project_is_refused(
    make_tour, runner: CliRunner, tmp_path: Path
) -> None:
    root = make_tour()
    outside = tmp_path / "shared-stop"
    shutil.move(root / "stops" / "wall", outside)
    os.symlink(outside, root / "stops" / "wall")
    code, problems, output = check(runner, root)
    assert code == 1, output
    assert find(problems, "stops/wall", "outside the project: copy that folder into stops/") == [(0, "error")]
    tour, _ = load_tour(root)
    assert tour is not None and [stop.id for stop in tour.stops] == ["gate"]
    assert runner.invoke(cli, ["build", "-p", str(root), "--offline"]).exit_code != 0


def test_a_stop_folder_linked_inside_the_project_is_fine(make_tour, runner: CliRunner) -> None:
    root = make_tour()
    shutil.move(root / "stops" / "wall", root / "wall-source")
    os.symlink(root / "wall-source", root / "stops" / "wall")
    code, _, output = check(runner, root)
    assert code == 0, output
