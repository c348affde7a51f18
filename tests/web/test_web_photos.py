"""A stop's photo on the visitor site (issue 12): <picture> with WebP widths and width/height,
alt text per language, immutable caching on the live server and in the export, one variant in
the offline tour; and the PNG icons of the web app manifest, home and lock screens."""

from __future__ import annotations

import html
import io
import json
import re
import urllib.request
from pathlib import Path

from PIL import Image

from audioguide.export import ExportOptions, export_site
from tests.helpers.web_fixtures import photo, publish_images, running_server
from tests.web.conftest import ALTS

IMMUTABLE = "public, max-age=31536000, immutable"


def picture_of(page: str) -> tuple[list[tuple[str, int]], dict[str, str]]:
    """(srcset as (url, width) pairs, the <img>'s attributes) of the page's photo."""
    source = re.search(r'<source type="image/webp" srcset="([^"]+)" sizes="[^"]+">', page)
    assert source, "no WebP <source> in the page"
    srcset = [(url, int(width[:-1])) for url, width in (c.split() for c in source.group(1).split(","))]
    img = re.search(r'<img class="photo"([^>]*)>', page)
    assert img
    attributes = {k: html.unescape(v) for k, v in re.findall(r'(\S+?)="([^"]*)"', img.group(1))}
    return srcset, attributes


def test_stop_page_shows_webp_widths_with_width_height_and_alt_per_language(photo_client) -> None:
    for lang, alt in ALTS.items():
        page = photo_client.get(f"/{lang}/gate").get_data(as_text=True)
        srcset, img = picture_of(page)
        assert [width for _, width in srcset] == [480, 960, 1440]
        assert img["alt"] == alt
        assert (img["width"], img["height"]) == ("960", "640")  # its room, before a byte arrives
        assert img["decoding"] == "async" and img["fetchpriority"] == "low" and "loading" not in img
        assert img["src"].endswith("/gate/960.jpg")
        for url, width in srcset:
            with Image.open(io.BytesIO(photo_client.get(url).data)) as image:
                assert image.format == "WEBP" and image.width == width


def test_stop_page_with_a_photo_stays_under_30_kb(photo_client) -> None:
    page = photo_client.get("/en/gate").data
    total = len(page)
    for url in re.findall(rb'(?:href|src)="(/a/[^"]+\.(?:css|js))"', page):
        total += len(photo_client.get(url.decode()).data)
    assert total < 30_000, total


def test_variants_are_served_with_their_type_and_immutable_caching(photo_tour: Path, tmp_path: Path) -> None:
    with running_server(photo_tour, tmp_path / "s.db") as (base, _):
        page = urllib.request.urlopen(base + "/en/gate", timeout=10).read().decode()
        srcset, img = picture_of(page)
        for url, kind in [*((u, "image/webp") for u, _ in srcset), (img["src"], "image/jpeg")]:
            with urllib.request.urlopen(base + url, timeout=10) as response:
                assert response.headers["Content-Type"] == kind, url
                assert response.headers["Cache-Control"] == IMMUTABLE
                assert int(response.headers["Content-Length"]) == len(response.read())


def test_offline_tour_keeps_one_width_of_the_photo(photo_client) -> None:
    files = [f["url"] for f in photo_client.get("/offline/en.json").get_json()["files"]]
    photos = [url for url in files if url.startswith("/img/")]
    assert len(photos) == 1 and photos[0].endswith("/gate/960.webp")
    assert not any(name in url for url in files for name in ("icon-192", "maskable", "apple-touch"))


def test_a_photo_changed_since_the_build_is_shown_as_it_is_until_the_next(photo_tour, photo_client) -> None:
    before, _ = picture_of(photo_client.get("/en/gate").get_data(as_text=True))
    photo(photo_tour / "stops" / "gate" / "photo.jpg", 800, 600)
    page = photo_client.get("/en/gate").get_data(as_text=True)
    assert "<picture>" not in page and re.search(
        r'<img class="photo" src="/img/[0-9a-f]{16}/gate/photo.jpg"', page
    )
    assert photo_client.get(before[0][0]).status_code == 200  # a page loaded before still shows its photo
    publish_images(photo_tour)
    after, img = picture_of(photo_client.get("/en/gate").get_data(as_text=True))
    assert [w for _, w in after] == [480, 800] and (img["width"], img["height"]) == ("800", "600")
    old = photo_client.get(before[1][0])  # superseded, kept as old audio is
    assert old.status_code == 200 and old.headers["Cache-Control"] == IMMUTABLE


def test_manifest_icons_are_pngs_of_the_sizes_they_declare(photo_client) -> None:
    manifest = photo_client.get("/en/manifest.webmanifest").get_json()
    pngs = [icon for icon in manifest["icons"] if icon["type"] == "image/png"]
    assert {(i["sizes"], i.get("purpose", "any")) for i in pngs} == {
        ("192x192", "any"),
        ("512x512", "any"),
        ("512x512", "maskable"),
    }
    for icon in pngs:
        response = photo_client.get(icon["src"])
        assert response.headers["Content-Type"] == "image/png"
        assert response.headers["Cache-Control"] == IMMUTABLE
        with Image.open(io.BytesIO(response.data)) as image:
            assert image.format == "PNG" and "x".join(map(str, image.size)) == icon["sizes"]
            corner = image.convert("RGBA").getpixel((0, 0))
            # A maskable icon is full-bleed (a launcher crops it); the plain one has round corners.
            assert corner[3] == (255 if icon.get("purpose") == "maskable" else 0)
            centre_band = image.convert("RGB").getpixel((image.width // 2, int(image.height * 0.42)))
            assert centre_band == (0xF6, 0xF5, 0xF2)  # the headphones' band, as in icon.svg


def test_apple_touch_icon_and_lock_screen_artwork_are_png(photo_client) -> None:
    page = photo_client.get("/en/gate").get_data(as_text=True)
    touch = re.search(r'<link rel="apple-touch-icon" href="([^"]+)">', page)
    assert touch
    with Image.open(io.BytesIO(photo_client.get(touch.group(1)).data)) as image:
        assert image.format == "PNG" and image.size == (180, 180) and image.mode == "RGB"
    player = re.search(r'<section class="player"[^>]*>', page)
    assert player
    data = dict(re.findall(r'data-(icon|art)="([^"]*)"', player.group(0)))
    assert data["art"].endswith("/gate/960.jpg")
    with Image.open(io.BytesIO(photo_client.get(data["icon"]).data)) as icon:
        assert icon.format == "PNG" and icon.size == (512, 512)
    wall = photo_client.get("/en/wall").get_data(as_text=True)  # no photo: the icon alone
    assert "data-art=" not in wall and "icon-512.png" in wall


def test_export_holds_the_variants_and_icons_with_their_headers(photo_tour: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    list(export_site(ExportOptions(photo_tour, site, base_url="https://guide.example.org")))
    page = (site / "en" / "gate.html").read_text(encoding="utf-8")
    srcset, img = picture_of(page)
    for url in [*(u for u, _ in srcset), img["src"]]:
        with Image.open(site / url.lstrip("/")) as image:
            assert image.format in ("WEBP", "JPEG")
    manifest = json.loads((site / "en" / "manifest.webmanifest").read_text(encoding="utf-8"))
    for icon in manifest["icons"]:
        assert (site / icon["src"].lstrip("/")).is_file()
    headers = (site / "_headers").read_text()
    nginx = (site / "nginx.conf").read_text()
    assert re.search(r"^/img/:hash/\*\n(?:  .*\n)*  Cache-Control: " + re.escape(IMMUTABLE), headers, re.M)
    for kind in ("image/webp", "image/png", "image/jpeg"):
        assert kind in nginx
