"""`aidcoord state`: hand coordination over — export the whole state, import it elsewhere, compare digests."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from aidcoord.access.actor import SYSTEM
from aidcoord.cli.common import (
    console,
    errors_shown,
    open_engine,
    progress_bar,
    require_current_schema,
    write_file,
)
from aidcoord.errors import Problem, ValidationFailed
from aidcoord.handover import bundle
from aidcoord.handover import service as handover

app = typer.Typer(help="Handover: export the whole state, import it into a new database, compare digests.")


@app.command("export")
def export(
    out: Path = typer.Option(..., "--out", "-o", help="The bundle to write, e.g. handover.tar.gz."),
) -> None:
    """Write every table, the scenario package and the audit chain, with a manifest, as one bundle."""
    engine = open_engine()
    try:
        with errors_shown():
            if out.is_dir():
                raise ValidationFailed(
                    f"{out} is a folder", [Problem("is a folder, not a file", file=str(out))]
                )
            require_current_schema(engine)
            with progress_bar("exporting the state") as progress:
                exported = handover.export_state(engine, actor=SYSTEM, progress=progress)
            write_file(out, exported.content)
    finally:
        engine.dispose()
    manifest = exported.manifest
    rows = sum(t.rows for t in manifest.tables)
    # Plain lines, never wrapped: people copy the hashes, scripts read them.
    typer.echo(f"wrote {out}: {len(manifest.tables)} tables, {rows:,} rows, {len(exported.content):,} bytes")
    if manifest.audit_head_seq is not None:
        typer.echo(f"audit chain head: record {manifest.audit_head_seq}, hash {manifest.audit_head_hash}")
    typer.echo(f"state digest: {manifest.state_digest}")
    # The manifest could be rewritten together with the files; this fingerprint, passed on separately, can't.
    typer.echo("Give the fingerprint to the receiving lead by another channel (import with --expect-sha256):")
    typer.echo(f"fingerprint: {exported.fingerprint}")


@app.command("import")
def import_(
    bundle_file: Path = typer.Argument(..., help="A bundle written by `aidcoord state export`."),
    lead: str = typer.Option(..., "--lead", help="The organisation taking over coordination."),
    expect_sha256: str | None = typer.Option(
        None, "--expect-sha256", help="The fingerprint the exporting lead gave you: refuse any other bundle."
    ),
) -> None:
    """Verify a bundle completely, then import it into this empty database in one transaction."""
    engine = open_engine()
    try:
        with errors_shown():
            if not bundle_file.is_file():
                raise ValidationFailed(
                    f"{bundle_file} is not a file",
                    [Problem("does not exist or is not a file", file=str(bundle_file))],
                )
            require_current_schema(engine)
            content = bundle_file.read_bytes()
            with progress_bar("importing the state") as progress:
                imported = handover.import_state(
                    engine,
                    actor=SYSTEM,
                    content=content,
                    source=bundle_file.name,
                    lead=lead,
                    expect_fingerprint=expect_sha256,
                    progress=progress,
                )
    finally:
        engine.dispose()
    manifest = imported.manifest
    rows = sum(t.rows for t in manifest.tables)
    console.print(
        f"imported {bundle_file.name}: {rows:,} rows of {len(manifest.tables)} tables, exported "
        f"{manifest.exported_at} by {manifest.exported_by} on instance {manifest.instance_id}",
        highlight=False,
    )
    typer.echo(f"state digest: {manifest.state_digest}")
    console.print(
        f"handover to {lead.strip()} recorded as audit record {imported.handover_seq}", highlight=False
    )
    if imported.users_without_secrets:
        console.print(
            f"{imported.users_without_secrets} users came without passwords or tokens: give them new ones "
            "with `aidcoord users password USER` and `aidcoord tokens create USER`.",
            highlight=False,
        )


@app.command("digest")
def digest(
    as_json: bool = typer.Option(False, "--json", help="Print the digest and its parts as JSON."),
) -> None:
    """Print the state digest: the same state gives the same digest, on SQLite and on PostgreSQL."""
    engine = open_engine()
    try:
        with errors_shown():
            require_current_schema(engine)
            result = handover.state_digest(engine, actor=SYSTEM)
    finally:
        engine.dispose()
    if as_json:
        doc = {
            "state_digest": result.digest,
            "tables": {t.name: {"rows": t.rows, "digest": t.digest} for t in result.tables},
            "left_out": sorted(bundle.EXCLUDED_TABLES),
        }
        typer.echo(json.dumps(doc, indent=2, sort_keys=True))
        return
    table = Table(title="State digest")
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("sha256")
    for part in result.tables:
        table.add_row(part.name, f"{part.rows:,}", part.digest)
    console.print(table)
    typer.echo(f"state digest: {result.digest}")
