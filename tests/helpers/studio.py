"""Studio test helpers: the staff accounts of the tests, CSRF tokens and signing in."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from audioguide.studio.accounts import Role

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
