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
