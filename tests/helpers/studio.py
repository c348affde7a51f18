"""Studio test helpers: the staff accounts of the tests, CSRF tokens and signing in."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from audioguide.studio.accounts import Role
from audioguide.studio.publishing import PublishJob
from audioguide.studio.state import EXTENSION

PASSWORD = "correct horse battery"
# name -> (role, languages)
STAFF: dict[str, tuple[Role, tuple[str, ...]]] = {
    "ada": (Role.ADMIN, ()),
    "edna": (Role.EDITOR, ()),
    "kim": (Role.REVIEWER, ("kk",)),
    "rita": (Role.REVIEWER, ("ru",)),
}
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(
    client: FlaskClient, path: str = "/studio/sign-in", base_url: str = "http://localhost", **environ: str
) -> str:
    page = client.get(path, base_url=base_url, environ_base=environ)
    match = _TOKEN.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(
    client: FlaskClient,
    name: str,
    password: str = PASSWORD,
    base_url: str = "http://localhost",
    **environ: str,
):
    """POST the sign-in form (after a GET for its CSRF token); `environ` goes with both requests."""
    token = csrf_token(client, base_url=base_url, **environ)
    data = {"name": name, "password": password, "csrf_token": token}
    return client.post("/studio/sign-in", data=data, base_url=base_url, environ_base=environ)


_BASE = re.compile(r'name="base" value="([0-9a-f]*)"')


def editor_base(client: FlaskClient, stop: str, lang: str) -> tuple[str, str]:
    """(CSRF token, hash of the file the editor was loaded from) of a narration's editor."""
    page = client.get(f"/studio/edit/{stop}/{lang}")
    assert page.status_code == 200, page.status_code
    text = page.get_data(as_text=True)
    token, base = _TOKEN.search(text), _BASE.search(text)
    assert token and base
    return token.group(1), base.group(1)


def submit_editor(
    client: FlaskClient,
    stop: str,
    lang: str,
    action: str,
    title: str,
    body: str,
    *,
    base: str | None = None,
):
    """Press one of the editor's buttons, with the form as loaded (or from `base`)."""
    token, loaded = editor_base(client, stop, lang)
    data = {"csrf_token": token, "base": loaded if base is None else base, "title": title, "body": body}
    return client.post(f"/studio/edit/{stop}/{lang}", data={**data, "action": action})


def wait_until(
    predicate: Callable[[], object], timeout: float = 60.0, what: str = "the studio's job"
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not finish in {timeout:.0f} s")
        time.sleep(0.05)


def finished_publish(app: Flask, response) -> PublishJob:
    """The publish job a Publish (or Restore) redirected to, once its build has finished."""
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    location = response.headers["Location"]
    assert "/studio/publish/" in location, location
    job_id = location.rstrip("/").rsplit("/", 1)[1]
    publishes = app.extensions[EXTENSION].publishes
    wait_until(lambda: publishes.get(job_id) and publishes.get(job_id).finished, what="the publish")
    return publishes.get(job_id)
