"""audioguide users: staff accounts of the studio (/studio), in studio.sqlite3 of the project.

Passwords are typed twice without echo, or read from standard input with --password-stdin (for
scripts); they are hashed (argon2id) and never shown, stored or logged in clear.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click

from audioguide.cli import project_option

ROLES = ("editor", "reviewer", "admin")
# The audit log's "who" for changes made on the server's command line.
CLI_ACTOR = "command line"


def _stores(project: Path):  # type: ignore[no-untyped-def]
    # Imported here: `audioguide --help` must not load Flask and argon2.
    from audioguide.studio.accounts import Accounts
    from audioguide.studio.audit import AuditLog
    from audioguide.studio.db import DEFAULT_NAME

    path = project.resolve() / DEFAULT_NAME
    return Accounts(path), AuditLog(path)


def _actor() -> str:
    try:
        return f"{CLI_ACTOR} ({getpass.getuser()})"
    except (KeyError, OSError):  # no login name (a container without /etc/passwd entry)
        return CLI_ACTOR


def _password(from_stdin: bool, name: str) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    return click.prompt(
        f"Password for {name}", hide_input=True, confirmation_prompt="Type it again", type=str
    )


def _check_languages(project: Path, codes: tuple[str, ...]) -> tuple[str, ...]:
    from audioguide.tour.load import load_tour

    tour, _ = load_tour(project)
    unknown = [code for code in codes if tour is not None and code not in tour.languages]
    if unknown and tour is not None:
        raise click.BadParameter(
            f"{', '.join(unknown)} not in the tour's languages ({', '.join(tour.languages)})",
            param_hint="--languages",
        )
    return codes


def _record(project: Path, action: str, target: str, detail: str = "") -> None:
    from audioguide.studio.audit import Action

    _stores(project)[1].record(_actor(), Action(action), target, detail, "localhost")


@click.group(short_help="Manage staff accounts of the studio (/studio).")
def users() -> None:
    """Staff accounts of the studio (/studio): names, roles, languages, passwords.

    \b
    Roles: editor (edits, publishes), reviewer (marks translations of its languages reviewed),
    admin (also manages users, stops and settings). Accounts are kept in studio.sqlite3 in the
    project folder.
    """


password_stdin = click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of standard input."
)


@users.command(short_help="Create an account.")
@project_option
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="editor", show_default=True)
@click.option("--languages", default="", metavar="kk,ru", help="Languages this user works on [default: all].")
@password_stdin
def add(project: Path, name: str, role: str, languages: str, password_stdin: bool) -> None:
    """Create the account NAME; asks for its password (at least 12 characters)."""
    from audioguide.studio.accounts import Role, parse_languages

    accounts, _ = _stores(project)
    accounts.check_available(name)
    codes = _check_languages(project, parse_languages(languages))
    account = accounts.add(name, _password(password_stdin, name), Role(role), codes)
    langs = ",".join(account.languages) or "all"
    _record(project, "user_added", account.name, f"role: {account.role}; languages: {langs}")
    click.echo(f"Added {account.name} ({account.role}, languages: {langs}).")
    if account.role != "admin" and not any(a.role == "admin" for a in accounts.all()):
        click.echo("Nobody is an admin yet: add one with --role admin to manage users in the studio.")


@users.command(short_help="Set a new password.")
@project_option
@click.argument("name")
@password_stdin
def passwd(project: Path, name: str, password_stdin: bool) -> None:
    """Set a new password for NAME; signs NAME out everywhere."""
    accounts, _ = _stores(project)
    account = accounts.require(name)
    accounts.set_password(account.name, _password(password_stdin, account.name))
    _record(project, "password_changed", account.name)
    click.echo(f"New password set for {account.name}; other sessions of {account.name} are signed out.")


@users.command(short_help="Remove an account.")
@project_option
@click.argument("name")
def remove(project: Path, name: str) -> None:
    """Remove the account NAME (the last admin cannot be removed)."""
    accounts, _ = _stores(project)
    account = accounts.remove(name)
    _record(project, "user_removed", account.name, f"role: {account.role}")
    click.echo(f"Removed {account.name}.")


@users.command(name="list", short_help="List the accounts.")
@project_option
def list_users(project: Path) -> None:
    """List the accounts: name, role, languages, last sign-in."""
    accounts, _ = _stores(project)
    rows = accounts.all()
    if not rows:
        click.echo("No accounts yet. Create the first with: audioguide users add NAME --role admin")
        return
    width = max(len("Name"), *(len(a.name) for a in rows))
    click.echo(f"{'Name':<{width}}  {'Role':<8}  {'Languages':<12}  Last sign-in")
    for a in rows:
        last = (a.last_sign_in or "never")[:16].replace("T", " ")
        click.echo(f"{a.name:<{width}}  {a.role:<8}  {','.join(a.languages) or 'all':<12}  {last}")
