"""`aidcoord requirements`: list, add, edit, reprioritise and cancel the recipient's requirements."""

from __future__ import annotations

import typer
from rich.table import Table

from aidcoord.access.actor import SYSTEM
from aidcoord.cli.common import console, session_boundary
from aidcoord.requirements import service as requirements
from aidcoord.requirements.service import RequirementView

app = typer.Typer(help="The recipient's prioritised requirements: list, add, edit, reprioritise, cancel.")


def _table(rows: tuple[RequirementView, ...] | list[RequirementView], title: str) -> Table:
    table = Table(title=title)
    right = ("qty", "prio", "weight", "due wk", "allocated")
    for column in (
        "requirement",
        "item",
        "capability",
        "qty",
        "prio",
        "weight",
        "due wk",
        "site",
        "status",
        "allocated",
    ):
        table.add_column(column, justify="right" if column in right else "left")
    for r in rows:
        status = r.status + (" (replan)" if r.replan_needed else "")
        table.add_row(
            r.requirement_id,
            r.item_id,
            r.capability,
            f"{r.quantity:,}",
            str(r.priority),
            f"{r.weight:g}",
            str(r.due_week),
            r.delivery_site_id,
            status,
            f"{r.allocated:,}",
        )
    return table


def _show(view: RequirementView, verb: str) -> None:
    console.print(_table([view], f"Requirement {view.requirement_id} {verb}"))
    console.print(f"allowed now: {', '.join(view.allowed_actions) or 'nothing (final)'}", highlight=False)


@app.command("list")
def list_command(
    capability: str | None = typer.Option(None, "--capability", help="Only this capability."),
    priority: int | None = typer.Option(None, "--priority", help="Only this priority class."),
    status: str | None = typer.Option(None, "--status", help="open or cancelled."),
    sort: str = typer.Option(
        "requirement_id", "--sort", help="requirement_id, priority, due_week, weight or quantity; - descends."
    ),
    limit: int = typer.Option(50, "--limit", help="Most requirements to show."),
    offset: int = typer.Option(0, "--offset", help="Requirements to skip."),
) -> None:
    """List requirements."""
    with session_boundary() as session:
        page = requirements.list_requirements(
            session,
            actor=SYSTEM,
            capability=capability,
            priority=priority,
            status=status,
            sort=sort,
            limit=limit,
            offset=offset,
        )
    console.print(_table(page.items, "Requirements"))
    console.print(f"{len(page.items)} of {page.total} requirements (offset {page.offset})")


@app.command()
def show(requirement_id: str = typer.Argument(..., help="The requirement id.")) -> None:
    """Show one requirement."""
    with session_boundary() as session:
        view = requirements.get(session, actor=SYSTEM, requirement_id=requirement_id)
    _show(view, "")


@app.command()
def add(
    item: str = typer.Option(..., "--item", help="The catalogue item."),
    quantity: int = typer.Option(..., "--quantity", help="Units required (> 0)."),
    priority: int = typer.Option(..., "--priority", help="Priority class, 1 the most urgent."),
    weight: float = typer.Option(..., "--weight", help="Weight (> 0)."),
    due_week: int = typer.Option(..., "--due-week", help="Week due, inside the dataset's horizon."),
    delivery_site: str = typer.Option(..., "--delivery-site", help="A delivery site."),
    requirement_id: str | None = typer.Option(None, "--id", help="Its id (default: REQ-xxxxxxxx)."),
) -> None:
    """Add an open requirement."""
    with session_boundary() as session:
        view = requirements.create(
            session,
            actor=SYSTEM,
            requirement_id=requirement_id,
            item_id=item,
            quantity=quantity,
            priority=priority,
            weight=weight,
            due_week=due_week,
            delivery_site_id=delivery_site,
        )
    _show(view, "added")


@app.command()
def edit(
    requirement_id: str = typer.Argument(..., help="The requirement id."),
    quantity: int | None = typer.Option(None, "--quantity", help="Units required."),
    due_week: int | None = typer.Option(None, "--due-week", help="Week due."),
    delivery_site: str | None = typer.Option(None, "--delivery-site", help="A delivery site."),
    item: str | None = typer.Option(None, "--item", help="The catalogue item."),
    weight: float | None = typer.Option(None, "--weight", help="Weight (> 0)."),
) -> None:
    """Change an open requirement (only the options given)."""
    given = {
        "quantity": quantity,
        "due_week": due_week,
        "delivery_site_id": delivery_site,
        "item_id": item,
        "weight": weight,
    }
    changes = {k: v for k, v in given.items() if v is not None}
    with session_boundary() as session:
        view = requirements.edit(session, actor=SYSTEM, requirement_id=requirement_id, changes=changes)
    _show(view, "changed")


@app.command()
def reprioritise(
    requirement_id: str = typer.Argument(..., help="The requirement id."),
    priority: int = typer.Option(..., "--priority", help="New priority class, 1 the most urgent."),
    weight: float | None = typer.Option(None, "--weight", help="New weight (> 0)."),
) -> None:
    """Move an open requirement to another priority class."""
    with session_boundary() as session:
        view = requirements.reprioritise(
            session, actor=SYSTEM, requirement_id=requirement_id, priority=priority, weight=weight
        )
    _show(view, "reprioritised")


@app.command()
def cancel(
    requirement_id: str = typer.Argument(..., help="The requirement id."),
    reason: str | None = typer.Option(None, "--reason", help="Why (kept with the requirement)."),
) -> None:
    """Cancel an open requirement (final; the next plan leaves it out)."""
    with session_boundary() as session:
        view = requirements.cancel(session, actor=SYSTEM, requirement_id=requirement_id, reason=reason)
    _show(view, "cancelled")
