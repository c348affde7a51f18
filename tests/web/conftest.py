"""Web app fixtures: the tiny tour with published audio, captions and manifest, and its Flask app."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def web_app(web_tour: Path, tmp_path: Path):
    from audioguide.web import create_app

    return create_app(web_tour, stats_db=tmp_path / "stats.sqlite3", testing=True)


@pytest.fixture
def client(web_app):
    return web_app.test_client()


# The gate's photo described per language (stop.yaml image_alt).
ALTS = {"en": "The gate in winter", "ru": "Ворота зимой", "kk": "Қыстағы қақпа"}


@pytest.fixture
def photo_tour(web_tour: Path) -> Path:
    """The web tests' tour whose gate has a real 2000 x 1333 photo, built into variants."""
    from tests.helpers.web_fixtures import photo, publish_images

    stop_yaml = web_tour / "stops" / "gate" / "stop.yaml"
    alts = ", ".join(f"{lang}: {text}" for lang, text in ALTS.items())
    text = stop_yaml.read_text(encoding="utf-8").replace("image: photo.png", "image: photo.jpg")
    stop_yaml.write_text(text + f"image_alt: {{{alts}}}\n", encoding="utf-8")
    photo(web_tour / "stops" / "gate" / "photo.jpg", 2000, 1333)
    publish_images(web_tour)
    return web_tour


@pytest.fixture
def photo_client(photo_tour: Path, tmp_path: Path):
    from audioguide.web import create_app

    return create_app(photo_tour, stats_db=tmp_path / "s.db", testing=True).test_client()
