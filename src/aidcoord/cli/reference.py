"""`aidcoord import`: load public reference series (the Kiel Ukraine Support Tracker) into the database."""

from __future__ import annotations

from pathlib import Path

import typer

from aidcoord.access.actor import SYSTEM
from aidcoord.cli.common import console, progress_bar, session_boundary
from aidcoord.reference import service as reference
from aidcoord.reference.kiel import packaged_kiel_dir

import_app = typer.Typer(help="Import public reference series.", no_args_is_help=True)


@import_app.command()
def kiel(
    directory: Path | None = typer.Argument(
        None, help="A folder of the tracker's aggregates (default: the copy shipped with aidcoord)."
    ),
) -> None:
    """Import a Kiel Ukraine Support Tracker release in one transaction; a broken file writes nothing."""
    folder = directory or packaged_kiel_dir()
    with session_boundary() as session, progress_bar(f"importing {folder.name}") as progress:
        result = reference.import_kiel(session, actor=SYSTEM, directory=folder, progress=progress)
    replaced = f", replacing {result.replaced_rows:,} rows" if result.replaced_rows else ""
    console.print(
        f"imported {result.release.label} as {result.release.release_id}: {result.rows:,} monthly rows, "
        f"{result.countries} donors{replaced}",
        highlight=False,
    )
