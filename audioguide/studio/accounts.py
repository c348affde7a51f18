"""Staff accounts: names, roles, languages and argon2id password hashes in the studio database.

The one place that touches passwords. A password is hashed with argon2id (argon2-cffi's
PasswordHasher, RFC 9106 defaults) and never stored, logged or returned. Both the command line
(`audioguide users`) and the studio's admin pages go through this module, so the rules (password
length, the last administrator) hold whichever way a change is made.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from audioguide.errors import AudioguideError
from audioguide.studio.db import connect, now

MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # argon2 takes any length; a cap keeps a megabyte "password" from costing CPU
NAME = re.compile(r"^[\w.@-]{1,64}$")

# Module-level so that tests can swap in cheap parameters; the rehash-on-sign-in check compares
# stored hashes with these parameters.
HASHER = PasswordHasher()


class Role(StrEnum):
    EDITOR = "editor"  # edits narrations and publishes
    REVIEWER = "reviewer"  # marks translations of its languages reviewed, comments
    ADMIN = "admin"  # everything, and users, stops and settings


class AccountError(AudioguideError):
    """A change to an account was refused; the message says what to do."""


class LastAdminError(AccountError):
    pass


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    role: Role
    languages: tuple[str, ...]  # empty: every language
    epoch: int
    created: str
    last_sign_in: str | None

    def may_use(self, lang: str) -> bool:
        """May this account work on narrations in `lang` (review them)?"""
        return not self.languages or lang in self.languages


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise AccountError(
            f"'{name}' cannot be a user name: use 1 to 64 letters, digits, '.', '-', '_' or '@'"
        )
    return name


def check_password(password: str, name: str = "") -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(
            f"the password is too short ({len(password)} characters): use at least {MIN_PASSWORD},"
            " e.g. four unrelated words"
        )
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password is too long: use at most {MAX_PASSWORD} characters")
    if name and password.casefold() == name.casefold():
        raise AccountError("the password must not be the user name")


def parse_languages(text: str | None) -> tuple[str, ...]:
    """'kk, ru' -> ('kk', 'ru'); empty or None -> () (every language)."""
    codes = [code.strip().lower() for code in (text or "").split(",")]
    return tuple(dict.fromkeys(code for code in codes if code))


def _account(row: sqlite3.Row) -> Account:
    languages = tuple(code for code in row["languages"].split(",") if code)
    return Account(
        row["id"],
        row["name"],
        Role(row["role"]),
        languages,
        row["epoch"],
        row["created"],
        row["last_sign_in"],
    )


_COLUMNS = "id, name, role, languages, epoch, created, last_sign_in"


class Accounts:
    """The accounts of one studio database."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def exist(self) -> bool:
        if not self.path.is_file():
            return False  # no database yet: do not create one just to look
        with connect(self.path) as db:
            return db.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None

    def all(self) -> list[Account]:
        if not self.path.is_file():
            return []
        with connect(self.path) as db:
            rows = db.execute(f"SELECT {_COLUMNS} FROM users ORDER BY name").fetchall()
        return [_account(row) for row in rows]

    def get(self, name: str) -> Account | None:
        with connect(self.path) as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM users WHERE name = ?", (name,)).fetchone()
        return _account(row) if row else None

    def by_id(self, user_id: int) -> Account | None:
        with connect(self.path) as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM users WHERE id = ?", (user_id,)).fetchone()
        return _account(row) if row else None

    def require(self, name: str) -> Account:
        account = self.get(name)
        if account is None:
            raise AccountError(f"there is no user '{name}': 'audioguide users list' shows who exists")
        return account

    def check_available(self, name: str) -> None:
        """Refuse a name that is invalid or taken (before asking for a password)."""
        check_name(name)
        if self.get(name) is not None:
            raise AccountError(
                f"user '{name}' already exists: choose another name, or change the password with"
                f" 'audioguide users passwd {name}'"
            )

    def add(self, name: str, password: str, role: Role, languages: tuple[str, ...] = ()) -> Account:
        self.check_available(name)
        check_password(password, name)
        with connect(self.path) as db:
            db.execute(
                "INSERT INTO users (name, role, languages, password, created) VALUES (?, ?, ?, ?, ?)",
                (name, role.value, ",".join(languages), HASHER.hash(password), now()),
            )
        return self.require(name)

    def set_password(self, name: str, password: str) -> Account:
        account = self.require(name)
        check_password(password, account.name)
        with connect(self.path) as db:
            db.execute(
                "UPDATE users SET password = ?, epoch = epoch + 1 WHERE id = ?",
                (HASHER.hash(password), account.id),
            )
        return self.require(name)

    def update(self, name: str, *, role: Role, languages: tuple[str, ...]) -> Account:
        account = self.require(name)
        with connect(self.path) as db:
            if account.role is Role.ADMIN and role is not Role.ADMIN:
                self._keep_an_admin(db, account)
            db.execute(
                "UPDATE users SET role = ?, languages = ? WHERE id = ?",
                (role.value, ",".join(languages), account.id),
            )
        return self.require(name)

    def remove(self, name: str) -> Account:
        account = self.require(name)
        with connect(self.path) as db:
            if account.role is Role.ADMIN:
                self._keep_an_admin(db, account)
            db.execute("DELETE FROM users WHERE id = ?", (account.id,))
        return account

    @staticmethod
    def _keep_an_admin(db: sqlite3.Connection, account: Account) -> None:
        # Checked inside the same transaction as the change, so two admins demoting each other
        # at once cannot both succeed.
        others = db.execute(
            "SELECT COUNT(*) FROM users WHERE role = ? AND id != ?", (Role.ADMIN.value, account.id)
        ).fetchone()[0]
        if not others:
            raise LastAdminError(
                f"'{account.name}' is the last administrator and cannot be removed or demoted:"
                " make another user an administrator first"
            )

    def authenticate(self, name: str, password: str) -> Account | None:
        """The account if the password is right, else None. Takes as long for an unknown name as
        for a wrong password, so the time does not tell which names exist. Rehashes the stored
        hash when the hasher's parameters have changed since it was made."""
        with connect(self.path) as db:
            row = db.execute("SELECT id, password FROM users WHERE name = ?", (name,)).fetchone()
            stored = row["password"] if row else _DUMMY.get()
            try:
                HASHER.verify(stored, password)
            except (VerificationError, InvalidHashError):
                return None
            if row is None:
                return None
            if HASHER.check_needs_rehash(stored):
                db.execute("UPDATE users SET password = ? WHERE id = ?", (HASHER.hash(password), row["id"]))
            db.execute("UPDATE users SET last_sign_in = ? WHERE id = ?", (now(), row["id"]))
        return self.by_id(row["id"])


class _Dummy:
    """A hash to verify against when the name is unknown (made once, lazily)."""

    hash: str | None = None
    made_with: PasswordHasher | None = None

    def get(self) -> str:
        if self.hash is None or self.made_with is not HASHER:
            self.hash, self.made_with = HASHER.hash("not a password of anyone"), HASHER
        return self.hash


_DUMMY = _Dummy()
