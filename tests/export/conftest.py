"""Export fixtures: the web tests' tour with published audio, exported into a folder."""

from __future__ import annotations

from pathlib import Path

import pytest

BASE_URL = "https://guide.example.org"


@pytest.fixture
def export_dir(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    from audioguide.export import ExportOptions, export_site

    project = request.getfixturevalue("web_tour")
    destination = tmp_path / "site"
    list(export_site(ExportOptions(project, destination, base_url=BASE_URL)))
    return destination
