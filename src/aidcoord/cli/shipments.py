"""`aidcoord shipments`: make shipments from the approved plan, list and show them, record events."""

from __future__ import annotations

import typer
from rich.table import Table

from aidcoord.access.actor import SYSTEM
from aidcoord.cli.common import console, session_boundary
from aidcoord.shipments import service as shipments

app = typer.Typer(help="Track consignments made from the approved plan, from dispatch to hand-over.")


def _dash(value: object) -> str:
    return "" if value is None else str(value)


@app.command()
def create(
    version: int | None = typer.Option(
        None, "--version", help="The approved plan's version (default: whichever is approved)."
    ),
) -> None:
    """Make one shipment per allocation of the approved plan (again: only the missing ones)."""
    with session_boundary() as session:
        result = shipments.create_from_approved_plan(session, actor=SYSTEM, version=version)
    console.print(
        f"created {len(result.created)} shipments from plan version {result.plan_version} "
        f"({result.existing} existed already)"
    )


@app.command("list")
def list_command(
    status: str | None = typer.Option(None, "--status", help="Only shipments in this status."),
    hub: str | None = typer.Option(None, "--hub", help="Only shipments through this hub site."),
    nation: str | None = typer.Option(None, "--nation", help="Only shipments from this nation's offers."),
    search: str | None = typer.Option(None, "--search", "-q", help="Search the ids."),
    limit: int = typer.Option(50, "--limit", help="Most shipments to show."),
    offset: int = typer.Option(0, "--offset", help="Shipments to skip."),
) -> None:
    """List shipments by plan and allocation."""
    with session_boundary() as session:
        page = shipments.list_shipments(
            session,
            actor=SYSTEM,
            status=status,
            hub_site_id=hub,
            nation_id=nation,
            q=search,
            limit=limit,
            offset=offset,
        )
    table = Table(title="Shipments")
    for column in ("shipment", "status", "offer", "nation", "requirement", "hub", "arrive wk", "qty", "recv"):
        table.add_column(column, justify="right" if column in ("arrive wk", "qty", "recv") else "left")
    for s in page.items:
        status_text = s.status + (" (delayed)" if s.delayed else "")
        table.add_row(
            s.shipment_id,
            status_text,
            s.offer_id,
            s.nation_id,
            s.requirement_id,
            s.hub_site_id,
            str(s.arrive_week),
            f"{s.quantity:,}",
            f"{s.quantity_received:,}",
        )
    console.print(table)
    console.print(f"{len(page.items)} of {page.total} shipments (offset {page.offset})")


@app.command()
def show(shipment_id: str = typer.Argument(..., help="The shipment id, e.g. SHP-1-12.")) -> None:
    """Show a shipment and its event timeline."""
    with session_boundary() as session:
        detail = shipments.get_shipment(session, actor=SYSTEM, shipment_id=shipment_id)
    s = detail.shipment
    console.print(
        f"[bold]{s.shipment_id}[/] {s.status}{' (delayed)' if s.delayed else ''}: {s.quantity:,} units of "
        f"offer {s.offer_id} ({s.nation_id}) to {s.requirement_id} via {s.hub_site_id}, plan version "
        f"{s.plan_version}; weeks depart {s.depart_week}, hub {s.hub_week}, arrive {s.arrive_week}",
        highlight=False,
    )
    console.print(
        f"received {s.quantity_received:,}, damaged {s.quantity_damaged:,}, lost {s.quantity_lost:,}, "
        f"open {s.quantity_open:,}; next: {', '.join(s.next_events) or 'nothing (final)'}",
        highlight=False,
    )
    table = Table(title="Timeline")
    for column in ("#", "recorded (UTC)", "event", "week", "qty", "signatory", "by", "note"):
        table.add_column(column)
    for e in detail.events:
        table.add_row(
            str(e.event_id),
            f"{e.recorded_at:%Y-%m-%d %H:%M:%S}",
            e.kind,
            _dash(e.week),
            _dash(e.quantity),
            _dash(e.signatory),
            f"{e.recorded_by} ({_dash(e.organisation_id)})",
            _dash(e.note),
        )
    console.print(table)


@app.command()
def event(
    shipment_id: str = typer.Argument(..., help="The shipment id."),
    kind: str = typer.Argument(
        ..., help="dispatched, at_hub, left_hub, delivered, received, delayed, damaged or lost."
    ),
    quantity: int | None = typer.Option(None, "--quantity", help="Units received or damaged."),
    signatory: str | None = typer.Option(None, "--signatory", help="Who signed the hand-over (received)."),
    week: int | None = typer.Option(None, "--week", help="The planning week it happened in."),
    note: str | None = typer.Option(None, "--note", help="A note for the timeline."),
    key: str | None = typer.Option(
        None, "--key", help="Idempotency key: repeating the command changes nothing."
    ),
) -> None:
    """Record an event on a shipment."""
    with session_boundary() as session:
        recorded = shipments.record_event(
            session,
            actor=SYSTEM,
            shipment_id=shipment_id,
            kind=kind,
            week=week,
            quantity=quantity,
            signatory=signatory,
            note=note,
            idempotency_key=key,
        )
    s = recorded.shipment
    prefix = "already recorded" if recorded.replayed else "recorded"
    console.print(
        f"{prefix} {recorded.event.kind} on {s.shipment_id} (event {recorded.event.event_id}): "
        f"now {s.status}; "
        f"received {s.quantity_received:,}, damaged {s.quantity_damaged:,}, lost {s.quantity_lost:,} "
        f"of {s.quantity:,}",
        highlight=False,
    )
