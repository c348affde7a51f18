"""Accounts and signing in: argon2id hashes, the sign-in limit, the session key file."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import Flask

from audioguide.studio import accounts as accounts_module
from audioguide.studio.accounts import AccountError, Accounts, Role
from audioguide.studio.secret import SECRET_NAME, load_or_create_secret
from tests.helpers.studio import PASSWORD, csrf_token, sign_in


def test_passwords_are_stored_as_argon2id_hashes_only(staff: Accounts, studio_tour: Path) -> None:
    import sqlite3

    with sqlite3.connect(staff.path) as db:
        hashes = [row[0] for row in db.execute("SELECT password FROM users")]
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)
    for path in studio_tour.iterdir():
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path


def test_sign_in_and_out(app: Flask, staff: Accounts) -> None:
    client = app.test_client()
    response = sign_in(client, "kim")
    assert response.status_code == 303 and response.headers["Location"] == "/studio/"
    page = client.get("/studio/").get_data(as_text=True)
    assert "Signed in as kim (reviewer)" in page
    assert 'href="/studio/users"' not in page  # not an admin
    client.post("/studio/sign-out", data={"csrf_token": csrf_token(client, "/studio/")})
    assert client.get("/studio/").status_code == 302
    assert [e.action for e in staff_log(app)][-2:] == ["sign_in", "sign_out"]


def staff_log(app: Flask):
    from audioguide.studio.state import EXTENSION

    return list(app.extensions[EXTENSION].audit.entries())


def test_a_wrong_password_is_refused_and_logged_without_the_password(
    app: Flask, staff: Accounts, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    response = sign_in(client, "ada", "wrong password here")
    assert response.status_code == 200 and b"Wrong name or password." in response.data
    assert client.get("/studio/").status_code == 302
    sign_in(client, PASSWORD, "typed the password as the name")
    sign_in(client, "ada")  # and a good one
    entry = [e for e in staff_log(app) if e.action == "sign_in_failed"]
    assert [(e.target, e.address) for e in entry] == [("ada", "127.0.0.1"), ("(unknown name)", "127.0.0.1")]
    logged = caplog.text + repr(staff_log(app))
    assert PASSWORD not in logged and "wrong password here" not in logged


def test_next_leads_only_inside_the_studio(app: Flask, staff: Accounts) -> None:
    client = app.test_client()
    token = csrf_token(client)
    for target, expected in [
        ("/studio/audit", "/studio/audit"),
        ("https://evil.example/studio/", "/studio/"),
        ("//evil.example/studio/", "/studio/"),
        ("/en/gate", "/studio/"),
    ]:
        data = {"name": "ada", "password": PASSWORD, "csrf_token": token, "next": target}
        response = client.post("/studio/sign-in", data=data)
        assert response.headers["Location"] == expected, target
        client.post("/studio/sign-out", data={"csrf_token": csrf_token(client, "/studio/")})
        token = csrf_token(client)


def test_failed_sign_ins_are_limited_per_address(app: Flask, staff: Accounts) -> None:
    client = app.test_client()
    for attempt in range(5):
        assert sign_in(client, f"ada{attempt}", "wrong password!").status_code == 200
    blocked = sign_in(client, "ada")  # even the right password, for a minute
    assert blocked.status_code == 429
    assert b"Too many failed sign-ins" in blocked.data
    assert "Retry-After" in blocked.headers
    other = app.test_client()
    assert sign_in(other, "ada", REMOTE_ADDR="192.0.2.7").status_code == 303  # another address


def test_failed_sign_ins_are_limited_per_account(app: Flask, staff: Accounts) -> None:
    for attempt in range(5):
        client = app.test_client()
        response = sign_in(client, "ada", "wrong password!", REMOTE_ADDR=f"192.0.2.{attempt}")
        assert response.status_code == 200
    blocked = sign_in(app.test_client(), "ADA ", REMOTE_ADDR="198.51.100.1")
    assert blocked.status_code == 429
    assert sign_in(app.test_client(), "kim", REMOTE_ADDR="198.51.100.1").status_code == 303


def test_the_limit_message_is_in_the_staff_language(app: Flask, staff: Accounts) -> None:
    client = app.test_client()
    for _ in range(6):
        response = sign_in(client, "ada", "wrong password!", HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9,en;q=0.5")
    assert response.status_code == 429
    assert "Слишком много неудачных попыток" in response.get_data(as_text=True)
    assert '<html lang="ru"' in response.get_data(as_text=True)


def test_successful_sign_ins_are_not_limited(app: Flask, staff: Accounts) -> None:
    client = app.test_client()
    for _ in range(7):
        assert sign_in(client, "ada").status_code == 303
        client.post("/studio/sign-out", data={"csrf_token": csrf_token(client, "/studio/")})


def test_a_new_password_signs_out_other_sessions(signed_in, staff: Accounts) -> None:
    client = signed_in("edna")
    staff.set_password("edna", "a brand new passphrase")
    assert client.get("/studio/").status_code == 302


def test_a_removed_user_is_signed_out_at_once(signed_in, staff: Accounts) -> None:
    client = signed_in("edna")
    staff.remove("edna")
    assert client.get("/studio/").status_code == 302


def test_hashes_are_renewed_when_the_parameters_change(
    app: Flask, staff: Accounts, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _hash_of(staff, "ada")
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    monkeypatch.setattr(accounts_module, "HASHER", stronger)
    assert sign_in(app.test_client(), "ada").status_code == 303
    after = _hash_of(staff, "ada")
    assert after != before and after.startswith("$argon2id$") and "m=2048,t=2" in after
    assert not stronger.check_needs_rehash(after)


def _hash_of(accounts: Accounts, name: str) -> str:
    import sqlite3

    with sqlite3.connect(accounts.path) as db:
        return str(db.execute("SELECT password FROM users WHERE name = ?", (name,)).fetchone()[0])


def test_password_rules(tmp_path: Path) -> None:
    accounts = Accounts(tmp_path / "studio.sqlite3")
    with pytest.raises(AccountError, match="at least 12"):
        accounts.add("ada", "short", Role.ADMIN)
    with pytest.raises(AccountError, match="must not be the user name"):
        accounts.add("administrator", "Administrator", Role.ADMIN)
    with pytest.raises(AccountError, match="cannot be a user name"):
        accounts.add("a b", PASSWORD, Role.ADMIN)
    accounts.add("ada", PASSWORD, Role.ADMIN)
    with pytest.raises(AccountError, match="already exists"):
        accounts.add("ADA", PASSWORD, Role.EDITOR)
    assert accounts.authenticate("ada", PASSWORD) is not None
    assert accounts.authenticate("nobody", PASSWORD) is None


def test_the_session_key_is_made_once_with_mode_0600(tmp_path: Path, app: Flask, studio_tour: Path) -> None:
    path = studio_tour / SECRET_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert app.config["SECRET_KEY"] == path.read_bytes() and len(path.read_bytes()) == 32
    assert load_or_create_secret(studio_tour) == path.read_bytes()  # kept, not remade
    old_umask = os.umask(0)
    try:
        fresh = load_or_create_secret(tmp_path)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE((tmp_path / SECRET_NAME).stat().st_mode) == 0o600 and len(fresh) == 32
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(SECRET_NAME)] == [SECRET_NAME]
    assert SECRET_NAME not in (studio_tour / "tour.yaml").read_text(encoding="utf-8")


def test_the_repository_ignores_the_key_and_the_database() -> None:
    ignored = (Path(__file__).resolve().parents[2] / ".gitignore").read_text(encoding="utf-8").split()
    assert ".audioguide-secret" in ignored and "/studio.sqlite3*" in ignored
