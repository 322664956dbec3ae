"""`aidcoord db`: migrate the database."""

from __future__ import annotations

import typer

from aidcoord.cli.common import console, open_engine
from aidcoord.db import migrate

app = typer.Typer(help="Create and migrate the database (AIDCOORD_DATABASE_URL).", no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Revision to migrate to.")) -> None:
    """Migrate the database up to the newest schema (or REVISION)."""
    engine = open_engine()
    try:
        migrate.upgrade(engine, revision)
        console.print(f"database at schema {migrate.current_revision(engine)}")
    finally:
        engine.dispose()


@app.command()
def downgrade(
    revision: str = typer.Argument(..., help="Revision to migrate to ('base' empties it)."),
) -> None:
    """Migrate the database down to REVISION."""
    engine = open_engine()
    try:
        migrate.downgrade(engine, revision)
        console.print(f"database at schema {migrate.current_revision(engine) or 'none'}")
    finally:
        engine.dispose()


@app.command()
def current() -> None:
    """Print the schema revision the database is at, and the newest one."""
    engine = open_engine()
    try:
        console.print(
            f"database: {migrate.current_revision(engine) or 'none'}; newest: {migrate.head_revision()}"
        )
    finally:
        engine.dispose()
