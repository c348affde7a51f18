"""audioguide users: add, passwd, remove, list; passwords typed twice or read from stdin."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from audioguide.cli import cli
from audioguide.studio.accounts import Accounts, Role
from audioguide.studio.audit import AuditLog
from tests.helpers.studio import PASSWORD


def users(runner: CliRunner, project: Path, *args: str, input: str | None = None):
    return runner.invoke(cli, ["users", *args, "--project", str(project)], input=input)


def test_add_asks_twice_and_stores_only_a_hash(
    runner: CliRunner, tour_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    result = users(runner, tour_dir, "add", "ada", "--role", "admin", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Added ada (admin, languages: all)." in result.output
    assert PASSWORD not in result.output and PASSWORD not in caplog.text
    with sqlite3.connect(tour_dir / "studio.sqlite3") as db:
        (stored,) = db.execute("SELECT password FROM users WHERE name = 'ada'").fetchone()
    assert stored.startswith("$argon2id$")
    assert PASSWORD.encode() not in (tour_dir / "studio.sqlite3").read_bytes()
    assert Accounts(tour_dir / "studio.sqlite3").authenticate("ada", PASSWORD) is not None
    entry = list(AuditLog(tour_dir / "studio.sqlite3").entries())[-1]
    assert (entry.action, entry.target, entry.address) == ("user_added", "ada", "localhost")
    assert entry.actor.startswith("command line")


def test_add_with_password_stdin_and_languages(runner: CliRunner, tour_dir: Path) -> None:
    result = users(
        runner, tour_dir, "add", "kim", "--role", "reviewer", "--languages", "kk, ru", "--password-stdin",
        input=f"{PASSWORD}\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    account = Accounts(tour_dir / "studio.sqlite3").require("kim")
    assert account.role is Role.REVIEWER and account.languages == ("kk", "ru")
    assert "Nobody is an admin yet" in result.output


def test_mismatched_confirmation_is_asked_again(runner: CliRunner, tour_dir: Path) -> None:
    typed = f"{PASSWORD}\nsomething else!\n{PASSWORD}\n{PASSWORD}\n"
    result = users(runner, tour_dir, "add", "ada", input=typed)
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output.lower()


def test_clear_errors(runner: CliRunner, tour_dir: Path) -> None:
    weak = users(runner, tour_dir, "add", "ada", "--password-stdin", input="short\n")
    assert weak.exit_code == 1 and "at least 12" in weak.output
    assert users(runner, tour_dir, "list").output.startswith("No accounts yet")
    users(runner, tour_dir, "add", "ada", "--role", "admin", "--password-stdin", input=f"{PASSWORD}\n")
    exists = users(runner, tour_dir, "add", "ada", "--password-stdin", input=f"{PASSWORD}\n")
    assert exists.exit_code == 1 and "already exists" in exists.output and "users passwd ada" in exists.output
    unknown = users(runner, tour_dir, "passwd", "bob", "--password-stdin", input=f"{PASSWORD}\n")
    assert (
        unknown.exit_code == 1
        and "there is no user 'bob'" in unknown.output
        and "users list" in unknown.output
    )
    language = users(
        runner, tour_dir, "add", "kim", "--languages", "de", "--password-stdin", input=f"{PASSWORD}\n"
    )
    assert language.exit_code == 2 and "de not in the tour's languages (en, ru, kk)" in language.output
    last = users(runner, tour_dir, "remove", "ada")
    assert last.exit_code == 1 and "last administrator" in last.output


def test_passwd_remove_and_list(runner: CliRunner, tour_dir: Path) -> None:
    for name, role in [("ada", "admin"), ("edna", "editor")]:
        users(runner, tour_dir, "add", name, "--role", role, "--password-stdin", input=f"{PASSWORD}\n")
    new = "another long passphrase"
    result = users(runner, tour_dir, "passwd", "edna", input=f"{new}\n{new}\n")
    assert result.exit_code == 0, result.output
    accounts = Accounts(tour_dir / "studio.sqlite3")
    assert accounts.authenticate("edna", new) and not accounts.authenticate("edna", PASSWORD)
    listed = users(runner, tour_dir, "list").output.splitlines()
    assert listed[0].split() == ["Name", "Role", "Languages", "Last", "sign-in"]
    assert listed[1].split()[:3] == ["ada", "admin", "all"] and listed[2].split()[:2] == ["edna", "editor"]
    assert users(runner, tour_dir, "remove", "edna").exit_code == 0
    assert accounts.get("edna") is None
    actions = [e.action for e in AuditLog(accounts.path).entries()]
    assert actions == ["user_added", "user_added", "password_changed", "user_removed"]
