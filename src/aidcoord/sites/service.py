"""Use cases of the sites domain: sites and lanes.

Writes are for coordinators. A site or lane written here obeys the same rules as one in a Scenario
Data Package: the rules are `scenario.io`'s own, applied to the one record together with the rows it
refers to, so that the API and a package load can never disagree about what is valid.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from aidcoord.access.actor import Actor, require_role
from aidcoord.audit import service as audit
from aidcoord.db.rows import delete_rows, insert_rows, select_rows
from aidcoord.errors import Conflict, NotFound, Problem, ValidationFailed, refuse_invalid
from aidcoord.nations import service as nations
from aidcoord.scenario.io import record_problems
from aidcoord.scenario.model import SITE_KINDS, Lane, Site
from aidcoord.sites.models import Lane as LaneRow
from aidcoord.sites.models import Site as SiteRow

SITE_FIELDS: tuple[str, ...] = ("name", "lat", "lon", "throughput_t_per_week", "extra")
"""What a PATCH may change on a site (its id, kind and nation are fixed once lanes and offers use it)."""
LANE_FIELDS: tuple[str, ...] = ("mode", "lead_time_weeks", "cost_eur_per_t", "extra")
"""What a PATCH may change on a lane (its ends are its identity)."""


def _changed(record: Any, changes: Mapping[str, Any], allowed: Sequence[str], what: str) -> Any:
    """`record` with `changes` applied; ValidationFailed naming every field that may not change."""
    fixed = [Problem(f"{name} cannot be changed", column=name) for name in changes if name not in allowed]
    refuse_invalid(what, fixed)
    values = {k: (dict(v) if k == "extra" and isinstance(v, Mapping) else v) for k, v in changes.items()}
    return dataclasses.replace(record, **values)


# --- sites -----------------------------------------------------------------------------------------


def add_sites(session: Session, *, actor: Actor, sites: Iterable[Site]) -> int:
    """Add sites (coordinators only); return how many."""
    require_role(actor, "coordinator")
    return insert_rows(session, SiteRow, sites)


def list_sites(session: Session, *, actor: Actor, kind: str | None = None) -> list[Site]:
    """All sites (of one `kind` if given), by id; reference data, visible to every actor."""
    del actor
    if kind is not None and kind not in SITE_KINDS:
        raise ValidationFailed(
            f"unknown site kind {kind!r}",
            [Problem(f"kind must be one of {', '.join(SITE_KINDS)}, got {kind!r}", column="kind")],
        )
    where = [SiteRow.kind == kind] if kind is not None else []
    return select_rows(session, SiteRow, Site, ["site_id"], where=where)


def get_site(session: Session, *, actor: Actor, site_id: str) -> Site:
    """One site; NotFound if there is none with that id."""
    del actor
    found = select_rows(session, SiteRow, Site, ["site_id"], where=[SiteRow.site_id == site_id])
    if not found:
        raise NotFound(f"site {site_id!r} does not exist")
    return found[0]


def _site_problems(session: Session, actor: Actor, site: Site) -> list[Problem]:
    problems: list[Problem] = []
    context: list[Any] = []
    try:
        context.append(nations.get(session, actor=actor, nation_id=site.nation_id))
    except NotFound:
        problems.append(Problem(f"unknown nation {site.nation_id!r}", column="nation_id"))
    skip = {p.column for p in problems if p.column}
    return problems + record_problems("sites", site, skip=skip, nations=context)


def add_site(session: Session, *, actor: Actor, site: Site) -> Site:
    """Add one site (coordinators only): its nation must exist, a hub needs a throughput > 0, others none.

    ValidationFailed names each bad field; Conflict if the id is taken.
    """
    require_role(actor, "coordinator")
    refuse_invalid(f"site {site.site_id!r}", _site_problems(session, actor, site))
    if session.get(SiteRow, site.site_id) is not None:
        raise Conflict(f"site {site.site_id!r} already exists")
    insert_rows(session, SiteRow, [site])
    session.flush()
    audit.record(session, actor=actor, action="site.add", entity="site", entity_id=site.site_id, after=site)
    return site


def update_site(session: Session, *, actor: Actor, site_id: str, changes: Mapping[str, Any]) -> Site:
    """Change a site's name, position, throughput or extra columns (coordinators only).

    A hub keeps a throughput > 0 and any other site has none; NotFound for an unknown id.
    """
    require_role(actor, "coordinator")
    current = get_site(session, actor=actor, site_id=site_id)
    site: Site = _changed(current, changes, SITE_FIELDS, "site change")
    refuse_invalid(f"site {site_id!r}", _site_problems(session, actor, site))
    if changes:
        values = {name: getattr(site, name) for name in changes}
        if "extra" in values:
            values["extra"] = dict(values["extra"])
        session.execute(update(SiteRow).where(SiteRow.site_id == site_id).values(**values))
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="site.update",
            entity="site",
            entity_id=site_id,
            before=current,
            after=site,
        )
    return site


def hubs(session: Session, *, actor: Actor) -> list[Site]:
    """The logistics hubs, by id."""
    del actor
    return select_rows(session, SiteRow, Site, ["site_id"], where=[SiteRow.kind == "hub"])


# --- lanes -----------------------------------------------------------------------------------------


def add_lanes(session: Session, *, actor: Actor, lanes: Iterable[Lane]) -> int:
    """Add lanes (coordinators only); return how many."""
    require_role(actor, "coordinator")
    return insert_rows(session, LaneRow, lanes)


def list_lanes(
    session: Session, *, actor: Actor, from_site_id: str | None = None, to_site_id: str | None = None
) -> list[Lane]:
    """All lanes (from and/or to a site if given), by origin then destination."""
    del actor
    where = []
    if from_site_id is not None:
        where.append(LaneRow.from_site_id == from_site_id)
    if to_site_id is not None:
        where.append(LaneRow.to_site_id == to_site_id)
    return select_rows(session, LaneRow, Lane, ["from_site_id", "to_site_id"], where=where)


def get_lane(session: Session, *, actor: Actor, from_site_id: str, to_site_id: str) -> Lane:
    """The lane from one site to another; NotFound if there is none."""
    del actor
    found = select_rows(
        session,
        LaneRow,
        Lane,
        ["from_site_id"],
        where=[LaneRow.from_site_id == from_site_id, LaneRow.to_site_id == to_site_id],
    )
    if not found:
        raise NotFound(f"lane {from_site_id!r}→{to_site_id!r} does not exist")
    return found[0]


def _lane_problems(session: Session, actor: Actor, lane: Lane) -> list[Problem]:
    problems: list[Problem] = []
    ends: list[Site] = []
    for column in ("from_site_id", "to_site_id"):
        site_id = getattr(lane, column)
        try:
            ends.append(get_site(session, actor=actor, site_id=site_id))
        except NotFound:
            problems.append(Problem(f"unknown site {site_id!r}", column=column))
    skip = {p.column for p in problems if p.column}
    return problems + record_problems("lanes", lane, skip=skip, sites=ends)


def add_lane(session: Session, *, actor: Actor, lane: Lane) -> Lane:
    """Add one lane (coordinators only): depot→hub or hub→delivery between existing sites.

    ValidationFailed names each bad field; Conflict if the pair already has a lane.
    """
    require_role(actor, "coordinator")
    refuse_invalid(f"lane {lane.from_site_id!r}→{lane.to_site_id!r}", _lane_problems(session, actor, lane))
    if session.get(LaneRow, (lane.from_site_id, lane.to_site_id)) is not None:
        raise Conflict(f"lane {lane.from_site_id!r}→{lane.to_site_id!r} already exists")
    insert_rows(session, LaneRow, [lane])
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="lane.add",
        entity="lane",
        entity_id=f"{lane.from_site_id}>{lane.to_site_id}",
        after=lane,
    )
    return lane


def update_lane(
    session: Session, *, actor: Actor, from_site_id: str, to_site_id: str, changes: Mapping[str, Any]
) -> Lane:
    """Change a lane's mode, lead time, cost or extra columns (coordinators only); NotFound if none."""
    require_role(actor, "coordinator")
    current = get_lane(session, actor=actor, from_site_id=from_site_id, to_site_id=to_site_id)
    lane: Lane = _changed(current, changes, LANE_FIELDS, "lane change")
    refuse_invalid(f"lane {from_site_id!r}→{to_site_id!r}", _lane_problems(session, actor, lane))
    if changes:
        values = {name: getattr(lane, name) for name in changes}
        if "extra" in values:
            values["extra"] = dict(values["extra"])
        session.execute(
            update(LaneRow)
            .where(LaneRow.from_site_id == from_site_id, LaneRow.to_site_id == to_site_id)
            .values(**values)
        )
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="lane.update",
            entity="lane",
            entity_id=f"{from_site_id}>{to_site_id}",
            before=current,
            after=lane,
        )
    return lane


def clear(session: Session, *, actor: Actor) -> None:
    """Delete all lanes and sites (coordinators only; when a scenario is replaced)."""
    require_role(actor, "coordinator")
    delete_rows(session, LaneRow)
    delete_rows(session, SiteRow)
