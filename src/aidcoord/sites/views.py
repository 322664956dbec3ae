"""HTTP routes of the sites domain: sites and lanes (read for all, write for coordinators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from aidcoord.api.deps import ActorDep, SessionDep
from aidcoord.api.routing import api_router
from aidcoord.scenario.model import Lane, Site
from aidcoord.sites import service
from aidcoord.sites.schemas import LaneIn, LaneOut, LanePatch, SiteIn, SiteOut, SitePatch

router = api_router(tags=["reference data"])


@router.get("/sites", response_model=list[SiteOut], summary="List sites")
def list_sites(
    session: SessionDep,
    actor: ActorDep,
    kind: Annotated[
        str | None, Query(description="Only sites of this kind: depot, hub, delivery, hq.")
    ] = None,
) -> list[SiteOut]:
    """All sites, by id; 422 for an unknown kind."""
    return [SiteOut.model_validate(s) for s in service.list_sites(session, actor=actor, kind=kind)]


@router.get("/sites/{site_id}", response_model=SiteOut, summary="Show a site")
def get_site(site_id: str, session: SessionDep, actor: ActorDep) -> SiteOut:
    """One site; 404 if there is none with that id."""
    return SiteOut.model_validate(service.get_site(session, actor=actor, site_id=site_id))


@router.post("/sites", response_model=SiteOut, status_code=201, summary="Add a site (coordinators)")
def add_site(body: SiteIn, session: SessionDep, actor: ActorDep) -> SiteOut:
    """Add a site; 422 naming the field (unknown nation, hub without throughput, …), 409 if it exists."""
    site = service.add_site(session, actor=actor, site=Site(**body.model_dump()))
    return SiteOut.model_validate(site)


@router.patch("/sites/{site_id}", response_model=SiteOut, summary="Change a site (coordinators)")
def update_site(site_id: str, body: SitePatch, session: SessionDep, actor: ActorDep) -> SiteOut:
    """Change the fields given; a hub keeps a throughput > 0 (422), 404 for an unknown site."""
    changes = body.model_dump(exclude_unset=True)
    return SiteOut.model_validate(service.update_site(session, actor=actor, site_id=site_id, changes=changes))


@router.get("/lanes", response_model=list[LaneOut], summary="List lanes")
def list_lanes(
    session: SessionDep,
    actor: ActorDep,
    from_site_id: Annotated[str | None, Query(description="Only lanes leaving this site.")] = None,
    to_site_id: Annotated[str | None, Query(description="Only lanes arriving at this site.")] = None,
) -> list[LaneOut]:
    """All lanes, by origin then destination."""
    lanes = service.list_lanes(session, actor=actor, from_site_id=from_site_id, to_site_id=to_site_id)
    return [LaneOut.model_validate(lane) for lane in lanes]


@router.post("/lanes", response_model=LaneOut, status_code=201, summary="Add a lane (coordinators)")
def add_lane(body: LaneIn, session: SessionDep, actor: ActorDep) -> LaneOut:
    """Add a lane, depot→hub or hub→delivery; 422 naming the field, 409 if the pair has a lane."""
    lane = service.add_lane(session, actor=actor, lane=Lane(**body.model_dump()))
    return LaneOut.model_validate(lane)


@router.patch(
    "/lanes/{from_site_id}/{to_site_id}", response_model=LaneOut, summary="Change a lane (coordinators)"
)
def update_lane(
    from_site_id: str, to_site_id: str, body: LanePatch, session: SessionDep, actor: ActorDep
) -> LaneOut:
    """Change the fields given; 404 if there is no lane between the two sites."""
    lane = service.update_lane(
        session,
        actor=actor,
        from_site_id=from_site_id,
        to_site_id=to_site_id,
        changes=body.model_dump(exclude_unset=True),
    )
    return LaneOut.model_validate(lane)
