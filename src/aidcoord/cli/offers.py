"""`aidcoord offers`: list, announce, commit, amend and withdraw nations' pledges."""

from __future__ import annotations

import datetime as dt

import typer
from rich.table import Table

from aidcoord.access.actor import SYSTEM
from aidcoord.cli.common import console, session_boundary
from aidcoord.offers import service as offers
from aidcoord.offers.service import OfferView

app = typer.Typer(help="Nations' pledges: list, announce, commit, amend, withdraw.")


def _table(rows: tuple[OfferView, ...] | list[OfferView], title: str) -> Table:
    table = Table(title=title)
    right = ("qty", "avail wk", "value EUR", "allocated")
    for column in (
        "offer",
        "nation",
        "item",
        "qty",
        "avail wk",
        "origin",
        "status",
        "value EUR",
        "valuation",
        "allocated",
    ):
        table.add_column(column, justify="right" if column in right else "left")
    for o in rows:
        value = f"{o.value_eur:,.0f}" + (" (computed)" if o.value_computed else "")
        table.add_row(
            o.offer_id,
            o.nation_id,
            o.item_id,
            f"{o.quantity:,}",
            str(o.available_week),
            o.origin_site_id,
            o.status,
            value,
            o.valuation_method or "",
            f"{o.allocated:,}",
        )
    return table


def _show(view: OfferView, verb: str) -> None:
    console.print(_table([view], f"Offer {view.offer_id} {verb}"))
    details = [f"allowed now: {', '.join(view.allowed_actions) or 'nothing (final)'}"]
    if view.source:
        details.append(f"source: {view.source}")
    if view.announced_on:
        details.append(f"announced on {view.announced_on:%Y-%m-%d}")
    if view.withdrawal_reason:
        details.append(f"withdrawn because: {view.withdrawal_reason}")
    console.print("; ".join(details), highlight=False, markup=False)


@app.command("list")
def list_command(
    nation: str | None = typer.Option(None, "--nation", help="Only this nation's offers."),
    item: str | None = typer.Option(None, "--item", help="Only this item."),
    capability: str | None = typer.Option(None, "--capability", help="Only this capability."),
    status: str | None = typer.Option(None, "--status", help="announced, committed or withdrawn."),
    sort: str = typer.Option("offer_id", "--sort", help="e.g. offer_id, quantity, value_eur; - descends."),
    limit: int = typer.Option(50, "--limit", help="Most offers to show."),
    offset: int = typer.Option(0, "--offset", help="Offers to skip."),
) -> None:
    """List offers."""
    with session_boundary() as session:
        page = offers.list_offers(
            session,
            actor=SYSTEM,
            nation_id=nation,
            item_id=item,
            capability=capability,
            status=status,
            sort=sort,
            limit=limit,
            offset=offset,
        )
    console.print(_table(page.items, "Offers"))
    console.print(f"{len(page.items)} of {page.total} offers (offset {page.offset})")


@app.command()
def show(offer_id: str = typer.Argument(..., help="The offer id.")) -> None:
    """Show one offer with its value and provenance."""
    with session_boundary() as session:
        view = offers.get(session, actor=SYSTEM, offer_id=offer_id)
    _show(view, "")


@app.command()
def announce(
    nation: str = typer.Option(..., "--nation", help="The pledging nation."),
    item: str = typer.Option(..., "--item", help="The catalogue item."),
    quantity: int = typer.Option(..., "--quantity", help="Units (> 0)."),
    available_week: int = typer.Option(..., "--available-week", help="First week it can leave its depot."),
    origin: str = typer.Option(..., "--origin", help="The origin depot."),
    valuation_method: str = typer.Option(..., "--valuation-method", help="market, replacement or book."),
    value_eur: float | None = typer.Option(None, "--value-eur", help="Stated value (default: computed)."),
    source: str | None = typer.Option(None, "--source", help="The source document or link."),
    announced_on: dt.datetime | None = typer.Option(
        None, "--announced-on", formats=["%Y-%m-%d"], help="Date announced (default: today)."
    ),
    offer_id: str | None = typer.Option(None, "--id", help="Its id (default: OFF-xxxxxxxx)."),
) -> None:
    """Record an announced pledge."""
    with session_boundary() as session:
        view = offers.announce(
            session,
            actor=SYSTEM,
            offer_id=offer_id,
            nation_id=nation,
            item_id=item,
            quantity=quantity,
            available_week=available_week,
            origin_site_id=origin,
            valuation_method=valuation_method,
            value_eur=value_eur,
            source=source,
            announced_on=announced_on.date() if announced_on is not None else None,
        )
    _show(view, "announced")


@app.command()
def commit(offer_id: str = typer.Argument(..., help="The offer id.")) -> None:
    """Commit an announced offer (the planner allocates committed offers only)."""
    with session_boundary() as session:
        view = offers.commit(session, actor=SYSTEM, offer_id=offer_id)
    _show(view, "committed")


@app.command()
def amend(
    offer_id: str = typer.Argument(..., help="The offer id."),
    quantity: int | None = typer.Option(None, "--quantity", help="Units."),
    available_week: int | None = typer.Option(None, "--available-week", help="First week available."),
    origin: str | None = typer.Option(None, "--origin", help="The origin depot."),
    value_eur: float | None = typer.Option(None, "--value-eur", help="Stated value."),
    valuation_method: str | None = typer.Option(
        None, "--valuation-method", help="market, replacement or book."
    ),
    source: str | None = typer.Option(None, "--source", help="The source document or link."),
) -> None:
    """Amend an announced or committed offer (only the options given)."""
    given = {
        "quantity": quantity,
        "available_week": available_week,
        "origin_site_id": origin,
        "value_eur": value_eur,
        "valuation_method": valuation_method,
        "source": source,
    }
    changes = {k: v for k, v in given.items() if v is not None}
    with session_boundary() as session:
        view = offers.amend(session, actor=SYSTEM, offer_id=offer_id, changes=changes)
    _show(view, "amended")


@app.command()
def withdraw(
    offer_id: str = typer.Argument(..., help="The offer id."),
    reason: str = typer.Option(..., "--reason", help="Why it is withdrawn (required)."),
) -> None:
    """Withdraw an offer (final); planned supply from it is invalidated and its requirements replanned."""
    with session_boundary() as session:
        result = offers.withdraw(session, actor=SYSTEM, offer_id=offer_id, reason=reason)
    _show(result.offer, "withdrawn")
    if result.affected_requirement_ids:
        console.print(
            f"planned supply withdrawn from {len(result.affected_requirement_ids)} requirements, now flagged "
            f"for replanning: {', '.join(result.affected_requirement_ids)}",
            highlight=False,
        )
