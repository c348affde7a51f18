"""Studio fixtures: a tiny published tour, its app, staff accounts and a signed-in client."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from audioguide.studio import accounts as accounts_module
from audioguide.studio.accounts import Accounts
from tests.helpers.studio import PASSWORD, STAFF, sign_in


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    """argon2id with tiny costs: the same format, a thousandth of the time."""
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts_module, "HASHER", hasher)
    return hasher


@pytest.fixture(scope="session")
def studio_media(tmp_path_factory: pytest.TempPathFactory):
    from tests.helpers.web_fixtures import MediaMaker

    return MediaMaker(tmp_path_factory.mktemp("studio-media"))


@pytest.fixture
def studio_tour(make_tour: Callable[..., Path], studio_media) -> Path:
    """The tiny tour, published; the kk and ru narrations of 'wall' await review."""
    root = make_tour("studio")
    for lang in ("ru", "kk"):
        path = root / "stops" / "wall" / f"{lang}.md"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("---\n", "---\nneeds_review: true\n", 1), encoding="utf-8")
    studio_media.publish(root)
    return root


@pytest.fixture
def app(studio_tour: Path, tmp_path: Path) -> Flask:
    from audioguide.web import create_app

    return create_app(studio_tour, stats_db=tmp_path / "stats.sqlite3", testing=True)


@pytest.fixture
def staff(studio_tour: Path) -> Accounts:
    accounts = Accounts(studio_tour / "studio.sqlite3")
    for name, (role, languages) in STAFF.items():
        accounts.add(name, PASSWORD, role, languages)
    return accounts


@pytest.fixture
def signed_in(app: Flask, staff: Accounts) -> Callable[[str], FlaskClient]:
    """A client signed in as one of STAFF."""

    def factory(name: str) -> FlaskClient:
        client = app.test_client()
        response = sign_in(client, name)
        assert response.status_code == 303, response.get_data(as_text=True)
        return client

    return factory
