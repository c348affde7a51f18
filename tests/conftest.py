"""Shared fixtures: tiny tours written into tmp_path, so tests stay fast and independent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers.tours import write_tour


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
