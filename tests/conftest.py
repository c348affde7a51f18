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
