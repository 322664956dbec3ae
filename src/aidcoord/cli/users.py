"""`aidcoord users` and `aidcoord tokens`: people, their roles, and their API tokens."""

from __future__ import annotations

import sys

import typer
from rich.table import Table

from aidcoord.access import service as access
from aidcoord.access.actor import ROLES, SYSTEM
from aidcoord.cli.common import console, session_boundary

ROLE_HELP = f"Repeatable: {', '.join(ROLES)}."

users_app = typer.Typer(help="Users: add (with roles fitting their organisation), list, disable.")
tokens_app = typer.Typer(help="API tokens: create (shown once), list, revoke (effective at once).")


def _password(password_stdin: bool, no_password: bool) -> str | None:
    if no_password:
        return None
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


@users_app.command("add")
def add(
    user_id: str = typer.Argument(..., help="Sign-in name (a-z, 0-9, '.', '_', '-')."),
    organisation: str = typer.Option(..., "--organisation", "-o", help="Organisation id, e.g. DEL-DEU."),
    role: list[str] = typer.Option(..., "--role", "-r", help=ROLE_HELP),
    name: str | None = typer.Option(None, "--name", help="Display name."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
    no_password: bool = typer.Option(False, "--no-password", help="No password: API tokens only."),
) -> None:
    """Add a user; the password is prompted for (or read from stdin) and stored hashed with argon2."""
    password = _password(password_stdin, no_password)
    with session_boundary() as session:
        view = access.add_user(
            session,
            actor=SYSTEM,
            user_id=user_id,
            organisation_id=organisation,
            roles=role,
            display_name=name,
            password=password,
        )
    console.print(
        f"added {view.user_id} ({', '.join(view.roles)}) for {view.organisation_id}", highlight=False
    )


@users_app.command("list")
def list_users() -> None:
    """List users with their organisation, roles, state and live tokens."""
    with session_boundary() as session:
        users = access.list_users(session, actor=SYSTEM)
    table = Table(title=f"{len(users)} users")
    for column in ("user", "name", "organisation", "roles", "active", "tokens"):
        table.add_column(column)
    for u in users:
        table.add_row(
            u.user_id,
            u.display_name,
            u.organisation_id,
            ", ".join(u.roles),
            "yes" if u.active else "no",
            str(u.tokens),
        )
    console.print(table)


@users_app.command("disable")
def disable(user_id: str = typer.Argument(..., help="The user to disable.")) -> None:
    """Disable a user and revoke all its tokens and sessions at once."""
    with session_boundary() as session:
        view = access.disable_user(session, actor=SYSTEM, user_id=user_id)
    console.print(f"disabled {view.user_id}; its tokens and sessions are revoked", highlight=False)


@users_app.command("password")
def password(
    user_id: str = typer.Argument(..., help="Whose password."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
) -> None:
    """Set a user's password (prompted for, or read from stdin); its browser sessions end."""
    secret = _password(password_stdin, no_password=False) or ""
    with session_boundary() as session:
        view = access.set_password(session, actor=SYSTEM, user_id=user_id, password=secret)
    console.print(f"password of {view.user_id} set; its browser sessions are signed out", highlight=False)


@tokens_app.command("create")
def create(
    user_id: str = typer.Argument(..., help="Whose token."),
    name: str = typer.Option("api", "--name", help="What the token is for."),
    expires_in_days: int = typer.Option(30, "--expires-in-days", help="Lifetime, 1 to 366 days."),
) -> None:
    """Create an API token and print it once (only its hash is stored)."""
    with session_boundary() as session:
        issued = access.create_token(
            session, actor=SYSTEM, user_id=user_id, name=name, expires_in_days=expires_in_days
        )
    console.print(
        f"token {issued.credential_id} for {issued.user_id}, expires {issued.expires_at:%Y-%m-%d %H:%M} UTC "
        "(shown once; send it as `Authorization: Bearer <token>`):",
        highlight=False,
    )
    # Plain print so that `$(aidcoord tokens create …| tail -1)` gets exactly the token.
    typer.echo(issued.secret)


@tokens_app.command("list")
def list_tokens(user_id: str | None = typer.Option(None, "--user", help="Only this user's.")) -> None:
    """List tokens and sessions (never their secrets)."""
    with session_boundary() as session:
        creds = access.list_credentials(session, actor=SYSTEM, user_id=user_id)
    table = Table(title=f"{len(creds)} credentials")
    for column in ("id", "kind", "user", "name", "created", "expires", "revoked"):
        table.add_column(column)
    for c in creds:
        table.add_row(
            c.credential_id,
            c.kind,
            c.user_id,
            c.name,
            f"{c.created_at:%Y-%m-%d %H:%M}",
            f"{c.expires_at:%Y-%m-%d %H:%M}",
            f"{c.revoked_at:%Y-%m-%d %H:%M}" if c.revoked_at else "",
        )
    console.print(table)


@tokens_app.command("revoke")
def revoke(credential_id: str = typer.Argument(..., help="The token's id (or the whole token).")) -> None:
    """Revoke a token or session; it stops working at once."""
    with session_boundary() as session:
        view = access.revoke(session, actor=SYSTEM, credential_id=access.credential_id_of(credential_id))
    console.print(f"revoked {view.kind} {view.credential_id} of {view.user_id}", highlight=False)
