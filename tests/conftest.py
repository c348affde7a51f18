"""Shared fixtures: tiny tours written into tmp_path, so tests stay fast and independent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers.tours import write_tour


@pytest.fixture(autouse=True)
def _own_voice_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Voices a developer downloaded (`audioguide voices get`) must not change what tests hear."""
    monkeypatch.setenv("AUDIOGUIDE_VOICES_DIR", str(tmp_path_factory.mktemp("user-voices")))
    monkeypatch.delenv("AUDIOGUIDE_VOICES_URL", raising=False)


@pytest.fixture
def make_tour(tmp_path: Path) -> Callable[..., Path]:
    def factory(name: str = "tour", **kwargs) -> Path:
        return write_tour(tmp_path / name, **kwargs)

    return factory


@pytest.fixture
def tour_dir(make_tour: Callable[..., Path]) -> Path:
    return make_tour()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server for this test session (tests/helpers/postgres.py). Skipped
    locally without the server binaries or psycopg; in CI (CI=true) their absence fails."""
    import os

    from tests.helpers.postgres import find_bin_dir, postgres_server

    bin_dir = find_bin_dir()
    try:
        import psycopg  # noqa: F401
    except ImportError:
        bin_dir = None
    if bin_dir is None:
        message = "PostgreSQL (apt-get install postgresql) and psycopg (pip install -e '.[dev]') are needed"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with postgres_server(bin_dir) as server:
        yield server


@pytest.fixture
def pg_url(postgres) -> str:
    """The URL of a fresh, empty database on the session's PostgreSQL server."""
    return postgres.new_database()


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium, for the visitor, studio and export journeys (see tests/helpers/browser.py)."""
    from tests.helpers.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, require_browser

    require_browser()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


# --- A tour with published audio, captions and manifest (web, studio and export tests). ---


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
