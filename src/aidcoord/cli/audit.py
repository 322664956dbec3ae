"""`aidcoord audit`: verify the hash chain of the audit trail and show its history."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from aidcoord.access.actor import SYSTEM
from aidcoord.audit import service as audit
from aidcoord.audit.service import AuditEntry
from aidcoord.cli.common import console, err_console, progress_bar, session_boundary

app = typer.Typer(help="The audit trail: verify its hash chain, show its history.")

# A change summary longer than this is cut: the table is for reading, the API has the full records.
MAX_CHANGE_TEXT = 160


@app.command()
def verify() -> None:
    """Recompute the hash chain; exit 1 naming the first broken record if the trail was tampered with."""
    with session_boundary(write=False) as session, progress_bar("verifying the audit trail") as progress:
        result = audit.verify(session, actor=SYSTEM, progress=progress)
    if not result.ok:
        err_console.print(
            f"audit trail BROKEN at record {result.first_broken_seq}: {result.problem}",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(1)
    console.print(f"audit trail intact: {result.checked} records", highlight=False)
    if result.head_seq is not None:
        # Kept outside the database, the head shows later whether records were cut off at the end; a
        # plain line, never wrapped, so that it can be copied whole.
        typer.echo(f"head: record {result.head_seq}, hash {result.head_hash}")


def _loaded(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _short(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def change_summary(entry: AuditEntry) -> str:
    """The fields a record changed, as `field: old → new`, or the whole snapshot of a creation/deletion."""
    before, after = _loaded(entry.before), _loaded(entry.after)
    if isinstance(before, dict) and isinstance(after, dict):
        keys = sorted(set(before) | set(after))
        parts = [
            f"{key}: {_short(before.get(key))} → {_short(after.get(key))}"
            for key in keys
            if before.get(key) != after.get(key)
        ]
        text = "; ".join(parts) or "(no field changed)"
    elif after is not None:
        text = f"+ {_short(after)}"
    elif before is not None:
        text = f"- {_short(before)}"
    else:
        text = ""
    return text if len(text) <= MAX_CHANGE_TEXT else text[: MAX_CHANGE_TEXT - 1] + "…"


@app.command("log")
def log_command(
    entity: str | None = typer.Option(None, "--entity", help="Only this kind of entity (e.g. offer)."),
    entity_id: str | None = typer.Option(None, "--entity-id", help="Only this entity id."),
    actor: str | None = typer.Option(None, "--actor", help="Only changes made by this user id."),
    action: str | None = typer.Option(None, "--action", help="Only this action (e.g. offer.withdraw)."),
    limit: int = typer.Option(50, "--limit", help="Most records to show."),
    offset: int = typer.Option(0, "--offset", help="Records to skip."),
) -> None:
    """Show the audit history, newest first."""
    with session_boundary(write=False) as session:
        page = audit.list_entries(
            session,
            actor=SYSTEM,
            entity=entity,
            entity_id=entity_id,
            user_id=actor,
            action=action,
            limit=limit,
            offset=offset,
        )
    table = Table(title=f"Audit trail: {len(page.items)} of {page.total} records, newest first")
    for column in ("seq", "at (UTC)", "user", "organisation", "action", "entity", "reason", "change"):
        table.add_column(column, justify="right" if column == "seq" else "left")
    for e in page.items:
        # Text, not markup: ids, reasons and values are the users' own and may hold [brackets].
        cells = (
            str(e.seq),
            e.at,
            e.user_id,
            e.organisation_id,
            e.action,
            f"{e.entity} {e.entity_id}",
            e.reason or "",
            change_summary(e),
        )
        table.add_row(*(Text(cell) for cell in cells))
    console.print(table)
