"""Web app fixtures: the tiny tour with published audio, captions and manifest, and its Flask app."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def media_maker(tmp_path_factory: pytest.TempPathFactory):
    from tests.helpers.web_fixtures import MediaMaker

    return MediaMaker(tmp_path_factory.mktemp("media"))


@pytest.fixture
def web_tour(make_tour: Callable[..., Path], media_maker) -> Path:
    """The tiny tour with audio for every narration; 'gate' has an image, a location and an
    alias ('entrance'), and the ru narration of 'wall' awaits review."""
    from tests.helpers.web_fixtures import decorate_stop, tiny_png

    root = make_tour("web")
    tiny_png(root / "stops" / "gate" / "photo.png")
    decorate_stop(root, "gate", "image: photo.png\nlocation: {lat: 51.0, lon: 71.2}\naliases: [entrance]\n")
    ru = root / "stops" / "wall" / "ru.md"
    text = ru.read_text(encoding="utf-8")
    ru.write_text(text.replace("---\n", "---\nneeds_review: true\n", 1), encoding="utf-8")
    media_maker.publish(root)
    return root


@pytest.fixture
def web_app(web_tour: Path, tmp_path: Path):
    from audioguide.web import create_app

    return create_app(web_tour, stats_db=tmp_path / "stats.sqlite3", testing=True)


@pytest.fixture
def client(web_app):
    return web_app.test_client()


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (tests/helpers/browser.py says what it needs)."""
    from tests.helpers.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, require_browser

    require_browser()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()
