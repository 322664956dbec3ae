"""What every command shares: the console, the error boundary, the session boundary, progress bars."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from aidcoord.config import get_settings
from aidcoord.db import make_engine, session_scope
from aidcoord.db.migrate import current_revision, head_revision
from aidcoord.errors import DomainError, Problem, ValidationFailed

console = Console()
err_console = Console(stderr=True, soft_wrap=True)

# Listing thousands of problems helps nobody at a terminal; the count says how many more there are.
MAX_PROBLEMS_SHOWN = 200


class SchemaOutdated(DomainError):
    """The database is not at the schema this version of aidcoord expects."""

    code = "schema_outdated"
    status = 503


def render_error(error: DomainError) -> None:
    """Print a domain error for a person: the message and every problem with its place."""
    # The message quotes user input (file names, values): escaped, so that "[x]" is printed, not styled.
    err_console.print(f"[bold red]error:[/] {escape(error.message)}", highlight=False)
    if isinstance(error, ValidationFailed):
        for problem in error.problems[:MAX_PROBLEMS_SHOWN]:
            err_console.print(f"  - {problem}", highlight=False, markup=False)
        hidden = len(error.problems) - MAX_PROBLEMS_SHOWN
        if hidden > 0:
            err_console.print(f"  … and {hidden} more problems")


@contextmanager
def errors_shown() -> Iterator[None]:
    """Turn a DomainError into a readable message and the error's exit code (2), never a traceback."""
    try:
        yield
    except DomainError as error:
        render_error(error)
        raise typer.Exit(error.exit_code) from None


def open_engine(url: str | None = None) -> Engine:
    """An engine for `url`, or for AIDCOORD_DATABASE_URL."""
    if not url:
        with errors_shown():  # a malformed AIDCOORD_* variable is an input error, not a traceback
            url = get_settings().database_url
    return make_engine(url)


def require_current_schema(engine: Engine) -> None:
    """Refuse to work on a database whose schema is not the current head."""
    have, want = current_revision(engine), head_revision()
    if have != want:
        raise SchemaOutdated(
            f"the database is at schema {have or 'none'}, this aidcoord needs {want}: "
            "run `aidcoord db upgrade`"
        )


@contextmanager
def session_boundary(url: str | None = None, *, write: bool = True) -> Iterator[Session]:
    """One command = one session: commit on success, roll back and report on a DomainError.

    Commands that only read pass `write=False`: on SQLite they then never block writers.
    """
    engine = open_engine(url)
    try:
        with errors_shown():
            require_current_schema(engine)
            with session_scope(engine, write=write) as session:
                yield session
    finally:
        engine.dispose()


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[str, float], None]]:
    """A rich progress bar fed by the core's `progress(message, fraction)` callback."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[step]}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=1.0, step="")

        def update(message: str, fraction: float) -> None:
            bar.update(task, completed=fraction, step=message)

        yield update


def write_file(path: Path, content: bytes) -> None:
    """Write `content` to `path` whole or not at all (a temporary file beside it, then a rename).

    A path that cannot be written (a folder, no permission, a missing drive) is ValidationFailed (exit 2).
    """
    try:
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "it is a folder", str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as error:
        message = f"cannot write {path}: {error.strerror or error}"
        raise ValidationFailed(message, [Problem(message, file=str(path))]) from None
