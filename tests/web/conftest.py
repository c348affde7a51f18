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
