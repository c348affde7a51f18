"""The administrators' stops page: add (id and number rules, printed ids), number and
location, retire into another stop (posters keep working), images with alt text, posters."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image

from audioguide.qr import build_posters
from audioguide.studio.images import ImageRejected, prepare_image
from audioguide.studio.stopfiles import set_key
from audioguide.tour.load import load_tour
from tests.helpers.studio import csrf_token


@pytest.fixture
def admin(signed_in):
    client = signed_in("ada")
    client.token = csrf_token(client, "/studio/stops")  # type: ignore[attr-defined]
    return client


def _post(client, url: str, **data):  # type: ignore[no-untyped-def]
    return client.post(url, data={"csrf_token": client.token, **data})


def _flash(client) -> str:  # type: ignore[no-untyped-def]
    return client.get("/studio/stops").get_data(as_text=True)


def test_adding_a_stop_checks_the_id_and_the_number(admin, studio_tour: Path) -> None:
    (studio_tour / "stops" / "gate" / "stop.yaml").write_text("number: 1\naliases: [old-gate]\n")
    state = {"format": 1, "printed": {"gone": {"id": "gone", "number": 7, "url": "http://x/s/gone"}}}
    (studio_tour / "qr").mkdir(exist_ok=True)
    (studio_tour / "qr" / "posters.json").write_text(json.dumps(state))
    refused = {
        "Bad_Id": "lower-case letters, digits and dashes",
        "posters": "is reserved",
        "wall": "is already the id of stop",
        "old-gate": "is already an old id (alias) of stop",
        "gone": "was printed on a poster (number 7)",
    }
    for stop_id, message in refused.items():
        assert _post(admin, "/studio/stops", id=stop_id, number="5").status_code == 303
        assert message in _flash(admin), stop_id
        assert not (studio_tour / "stops" / stop_id).exists() or stop_id in ("wall",)
    _post(admin, "/studio/stops", id="barrack", number="2")
    assert "number 2 is already used by stop &#39;wall&#39;" in _flash(admin)
    _post(admin, "/studio/stops", id="barrack", number="3")
    assert (studio_tour / "stops" / "barrack" / "stop.yaml").read_text() == "number: 3\n"
    tour, diags = load_tour(studio_tour)
    assert tour.stop("barrack").number == 3 and not diags.errors


def test_number_and_location_keep_the_rest_of_stop_yaml(admin, studio_tour: Path) -> None:
    stop_yaml = studio_tour / "stops" / "wall" / "stop.yaml"
    stop_yaml.write_text(
        "# The wall.\nnumber: 2  # on the poster\nlocation:\n  lat: 1\n  lon: 2\nvoices:\n  ru: [espeak]\n"
    )
    assert _post(admin, "/studio/stops/wall", number="5", lat="51.1", lon="71.4").status_code == 303
    assert stop_yaml.read_text() == (
        "# The wall.\nnumber: 5\nlocation:\n  lat: 51.1\n  lon: 71.4\nvoices:\n  ru: [espeak]\n"
    )
    _post(admin, "/studio/stops/wall", number="1")
    assert "number 1 is already used by stop &#39;gate&#39;" in _flash(admin)
    _post(admin, "/studio/stops/wall", number="5", lat="", lon="")
    assert "location" not in stop_yaml.read_text()


def test_retiring_a_stop_keeps_its_posters_working(app: Flask, admin, studio_tour: Path) -> None:
    (studio_tour / "stops" / "gate" / "stop.yaml").write_text("number: 1\naliases: [entrance]\n")
    assert _post(admin, "/studio/stops/gate/retire", into="wall").status_code == 303
    assert "gate is retired; its posters open wall" in _flash(admin)
    assert not (studio_tour / "stops" / "gate").exists()
    assert (studio_tour / "retired" / "gate" / "en.md").is_file()
    assert "aliases: [gate, entrance]" in (studio_tour / "stops" / "wall" / "stop.yaml").read_text()
    tour, diags = load_tour(studio_tour)
    assert tour.stop("gate").id == "wall" and tour.stop("entrance").id == "wall" and not diags.errors
    visitor = app.test_client()
    for old in ("gate", "entrance"):
        scan = visitor.get(f"/s/{old}")
        # The scan answers with the page of the stop it became (its canonical address).
        canonical = re.search(r'<link rel="canonical" href="/[a-z]+/([^"]+)">', scan.get_data(as_text=True))
        assert scan.status_code == 200 and canonical and canonical.group(1) == "wall", old
    entries = [(e.action, e.target) for e in app.extensions["audioguide.studio"].audit.entries()]
    assert ("stop_retired", "gate") in entries


def _photo(size: tuple[int, int], kind: str = "JPEG") -> bytes:
    image = Image.new("RGB", size, (120, 80, 40))
    exif = Image.Exif()
    exif[0x0110] = "Secret camera"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90°
    out = io.BytesIO()
    image.save(out, kind, exif=exif.tobytes())
    return out.getvalue()


def test_an_uploaded_image_is_upright_small_and_without_exif(admin, app: Flask, studio_tour: Path) -> None:
    data = {
        "image": (io.BytesIO(_photo((3200, 1800))), "photo.jpg"),
        "alt_en": 'The wall, "names"',
        "alt_ru": "Стена",
    }
    response = admin.post(
        "/studio/stops/wall/image",
        data={"csrf_token": admin.token, **data},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    saved = studio_tour / "stops" / "wall" / "image.jpg"
    with Image.open(saved) as image:
        assert image.size == (900, 1600)  # turned upright by its orientation, long side 1600
        assert not image.getexif()
    assert b"Secret camera" not in saved.read_bytes()
    stop_yaml = (studio_tour / "stops" / "wall" / "stop.yaml").read_text()
    assert "image: image.jpg\n" in stop_yaml
    assert 'image_alt:\n  en: The wall, "names"\n  ru: Стена\n' in stop_yaml
    tour, diags = load_tour(studio_tour)
    assert tour.stop("wall").config.image_alt == {"en": 'The wall, "names"', "ru": "Стена"}
    assert not diags.errors
    page = app.test_client().get("/en/wall").get_data(as_text=True)
    assert 'alt="The wall, &#34;names&#34;"' in page
    assert admin.get("/studio/stops/wall/image").mimetype == "image/jpeg"


def test_images_that_are_not_images_are_refused() -> None:
    with pytest.raises(ImageRejected, match="not a readable"):
        prepare_image(b"GIF89a not really")
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, "GIF")
    with pytest.raises(ImageRejected, match="JPEG, PNG or WebP"):
        prepare_image(gif.getvalue())
    with pytest.raises(ImageRejected, match="larger than 10 MB"):
        prepare_image(b"\xff\xd8" + b"0" * (10 * 1024 * 1024))
    png = io.BytesIO()
    Image.new("RGBA", (2000, 100), (0, 0, 0, 0)).save(png, "PNG")
    data, suffix = prepare_image(png.getvalue())
    assert suffix == "png" and Image.open(io.BytesIO(data)).size == (1600, 80)
    webp, suffix = prepare_image(_photo((10, 10), "WEBP"))
    assert suffix == "webp" and not Image.open(io.BytesIO(webp)).getexif()


def test_posters_are_downloaded_from_the_stops_page(admin, studio_tour: Path) -> None:
    assert admin.get("/studio/posters.pdf").status_code == 404
    tour, _ = load_tour(studio_tour)
    build_posters(tour)
    page = admin.get("/studio/stops").get_data(as_text=True)
    assert "/studio/stops/wall/poster.pdf" in page and "/studio/posters.pdf" in page
    for url in ("/studio/posters.pdf", "/studio/stops/wall/poster.pdf"):
        with admin.get(url) as response:
            assert response.status_code == 200 and response.data.startswith(b"%PDF"), url
            assert "attachment" in response.headers["Content-Disposition"]


def test_set_key_edits_one_top_level_key() -> None:
    text = "number: 1\naliases:\n- a\n- b\n\n# comment\nimage: x.jpg\n"
    assert (
        set_key(text, "aliases", "aliases: [a, b, c]\n")
        == "number: 1\naliases: [a, b, c]\n\n# comment\nimage: x.jpg\n"
    )
    assert set_key(text, "image", None) == "number: 1\naliases:\n- a\n- b\n\n# comment\n"
    assert set_key("number: 1", "location", "location:\n  lat: 1\n  lon: 2\n") == (
        "number: 1\nlocation:\n  lat: 1\n  lon: 2\n"
    )
