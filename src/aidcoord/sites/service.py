"""Use cases of the sites domain: sites and lanes."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from aidcoord.access.actor import Actor, require_role
from aidcoord.db.rows import delete_rows, insert_rows, select_rows
from aidcoord.scenario.model import Lane, Site
from aidcoord.sites.models import Lane as LaneRow
from aidcoord.sites.models import Site as SiteRow


def add_sites(session: Session, *, actor: Actor, sites: Iterable[Site]) -> int:
    """Add sites (coordinators only); return how many."""
    require_role(actor, "coordinator")
    return insert_rows(session, SiteRow, sites)


def add_lanes(session: Session, *, actor: Actor, lanes: Iterable[Lane]) -> int:
    """Add lanes (coordinators only); return how many."""
    require_role(actor, "coordinator")
    return insert_rows(session, LaneRow, lanes)


def list_sites(session: Session, *, actor: Actor) -> list[Site]:
    """All sites, by id."""
    del actor
    return select_rows(session, SiteRow, Site, ["site_id"])


def list_lanes(session: Session, *, actor: Actor) -> list[Lane]:
    """All lanes, by origin then destination."""
    del actor
    return select_rows(session, LaneRow, Lane, ["from_site_id", "to_site_id"])


def hubs(session: Session, *, actor: Actor) -> list[Site]:
    """The logistics hubs, by id."""
    del actor
    return select_rows(session, SiteRow, Site, ["site_id"], where=[SiteRow.kind == "hub"])


def clear(session: Session, *, actor: Actor) -> None:
    """Delete all lanes and sites (coordinators only; when a scenario is replaced)."""
    require_role(actor, "coordinator")
    delete_rows(session, LaneRow)
    delete_rows(session, SiteRow)
