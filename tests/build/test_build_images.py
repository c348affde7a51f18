"""Photos in the build (issue 12): WebP variants at a few widths and a JPEG/PNG fallback,
content-addressed and incremental like the audio, read back with Pillow (real decoded sizes)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from audioguide.build.images import WIDTHS
from audioguide.published import Manifest
from tests.helpers.audio_checks import build, describe, invoke, separate_runner, stderr_of
from tests.helpers.tours import write_tour
from tests.helpers.web_fixtures import decorate_stop, photo

STOPS = {"gate": {"en": "Welcome to the gate."}, "wall": {"en": "This is the wall."}}


@pytest.fixture
def cli() -> CliRunner:
    return separate_runner()


@pytest.fixture
def photo_tour(tmp_path: Path) -> Path:
    root = write_tour(tmp_path / "tour", languages=("en",), stops=STOPS)
    photo(root / "stops" / "gate" / "photo.jpg", 2000, 1333)
    decorate_stop(root, "gate", "image: photo.jpg\nimage_alt: {en: The gate}\n")
    return root


def images_of(root: Path, stop_id: str = "gate"):
    image = Manifest.load(root / "audio").images.get(stop_id)
    assert image is not None, f"no published photo for {stop_id}"
    return image


def decoded(root: Path, record_path: str) -> Image.Image:
    image = Image.open(root / "audio" / record_path)
    image.load()
    return image


def image_files(root: Path) -> dict[str, tuple[int, int]]:
    folder = root / "audio" / "images"
    return (
        {p.name: (p.stat().st_mtime_ns, p.stat().st_size) for p in folder.iterdir()}
        if folder.is_dir()
        else {}
    )


def test_build_makes_webp_variants_and_a_jpeg(photo_tour: Path, cli: CliRunner) -> None:
    report = build(cli, photo_tour)
    assert report["images_built"] == ["gate"]
    image = images_of(photo_tour)
    assert [v.width for v in image.variants] == list(WIDTHS)
    for variant in image.variants:
        with decoded(photo_tour, variant.file.path) as file:
            assert file.format == "WEBP"
            assert file.size == (variant.width, variant.height)
            assert abs(file.width / file.height - 2000 / 1333) < 0.01  # proportions kept
        assert re.fullmatch(
            rf"images/gate\.{variant.file.sha256[:16]}\.{variant.width}\.webp", variant.file.path
        )
    with decoded(photo_tour, image.fallback.file.path) as jpeg:
        assert jpeg.format == "JPEG" and jpeg.size == (960, 640)
        assert not jpeg.getexif()  # a phone photo's EXIF (the place, the camera) is not published
    # The narrowest variant is a fraction of the original: what a phone on a weak signal gets.
    assert image.variants[0].file.bytes < (photo_tour / "stops" / "gate" / "photo.jpg").stat().st_size / 4


def test_second_build_builds_nothing_and_a_new_photo_gets_new_names(photo_tour: Path, cli: CliRunner) -> None:
    build(cli, photo_tour)
    first, files = images_of(photo_tour), image_files(photo_tour)
    report = build(cli, photo_tour)
    assert report["images_built"] == []
    assert image_files(photo_tour) == files  # not one file rewritten
    photo(photo_tour / "stops" / "gate" / "photo.jpg", 1600, 1200)
    report = build(cli, photo_tour)
    assert report["images_built"] == ["gate"]
    second = images_of(photo_tour)
    old_names = {v.file.path for v in first.files()}
    assert not old_names & {v.file.path for v in second.files()}
    # The superseded files stay (tour.yaml old_audio), for pages loaded before the rebuild.
    assert all((photo_tour / "audio" / name).is_file() for name in old_names)
    with decoded(photo_tour, second.variants[-1].file.path) as widest:
        assert widest.size == (1440, 1080)


def test_small_and_transparent_photos_are_never_upscaled(photo_tour: Path, cli: CliRunner) -> None:
    photo(photo_tour / "stops" / "wall" / "logo.png", 300, 200, alpha=True)
    decorate_stop(photo_tour, "wall", "image: logo.png\n")
    build(cli, photo_tour)
    image = images_of(photo_tour, "wall")
    assert [(v.width, v.height) for v in image.variants] == [(300, 200)]
    with decoded(photo_tour, image.variants[0].file.path) as webp:
        assert webp.format == "WEBP" and webp.size == (300, 200) and webp.mode == "RGBA"
    with decoded(photo_tour, image.fallback.file.path) as png:
        assert png.format == "PNG" and png.size == (300, 200) and png.mode == "RGBA"


def test_a_photo_pillow_cannot_decode_warns_with_path_line_and_keeps_the_published_one(
    photo_tour: Path, cli: CliRunner
) -> None:
    build(cli, photo_tour)
    before = images_of(photo_tour)
    source = photo_tour / "stops" / "gate" / "photo.jpg"
    source.write_bytes(source.read_bytes()[:5000])  # cut short: the header still reads as a JPEG
    result = invoke(cli, "build", "-p", photo_tour, "--offline", "--no-posters", "--json")
    assert result.exit_code == 0, describe(result)
    stop_yaml = photo_tour / "stops" / "gate" / "stop.yaml"
    line = stop_yaml.read_text().splitlines().index("image: photo.jpg") + 1
    assert f"{stop_yaml}:{line}: image 'photo.jpg' cannot be decoded" in stderr_of(result)
    assert "the photo published before stays" in stderr_of(result)
    assert json.loads(result.stdout)["images_built"] == []
    assert images_of(photo_tour) == before
    assert all((photo_tour / "audio" / v.file.path).is_file() for v in before.files())


def test_a_cmyk_photo_gets_rgb_copies_without_its_cmyk_profile(photo_tour: Path, cli: CliRunner) -> None:
    source = photo_tour / "stops" / "gate" / "photo.jpg"
    with Image.open(source) as rgb:
        rgb.convert("CMYK").save(source, icc_profile=b"not an RGB profile")
    build(cli, photo_tour)
    for variant in images_of(photo_tour).variants:
        copy = decoded(photo_tour, variant.file.path)
        assert copy.mode == "RGB" and "icc_profile" not in copy.info


def test_removed_photo_is_pruned_by_a_whole_build(photo_tour: Path, cli: CliRunner) -> None:
    build(cli, photo_tour)
    assert image_files(photo_tour)
    (photo_tour / "stops" / "gate" / "stop.yaml").write_text("number: 1\n", encoding="utf-8")
    build(cli, photo_tour)
    assert Manifest.load(photo_tour / "audio").images == {}
    assert image_files(photo_tour) == {}


def test_manifest_with_a_malformed_image_entry_is_reported_not_fatal(
    photo_tour: Path, cli: CliRunner
) -> None:
    build(cli, photo_tour)
    path = photo_tour / "audio" / "manifest.json"
    data = json.loads(path.read_text())
    data["images"]["gate"]["variants"][0]["width"] = 999  # does not match its file name
    path.write_text(json.dumps(data))
    manifest = Manifest.load(photo_tour / "audio")
    assert "gate" not in manifest.images
    assert any("images.gate.variants[0]" in p for p in manifest.problems)
    assert len(manifest.narrations) == 2  # the audio is still read
    report = build(cli, photo_tour)  # and the build makes the photo again
    assert report["images_built"] == ["gate"]
