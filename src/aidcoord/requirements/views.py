"""HTTP routes of the requirements domain: the recipient's prioritised list."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from aidcoord.api.concurrency import IfMatchHeader, responses, set_etag
from aidcoord.api.deps import ActorDep, SessionDep
from aidcoord.api.pagination import LimitQuery, OffsetQuery, Page
from aidcoord.api.routing import api_router
from aidcoord.requirements import service
from aidcoord.requirements.schemas import (
    RequirementCancel,
    RequirementIn,
    RequirementOut,
    RequirementPatch,
    RequirementReprioritise,
)

router = api_router(tags=["requirements"])

SORT_HELP = f"One of {', '.join(service.SORT_KEYS)}; prefix - to descend (e.g. -priority)."


@router.get("/requirements", response_model=Page[RequirementOut], summary="List requirements")
def list_requirements(
    session: SessionDep,
    actor: ActorDep,
    capability: Annotated[str | None, Query(description="Only requirements for this capability.")] = None,
    priority: Annotated[int | None, Query(ge=1, description="Only this priority class.")] = None,
    status: Annotated[str | None, Query(description="open or cancelled.")] = None,
    replan_needed: Annotated[bool | None, Query(description="Only those flagged (or not).")] = None,
    sort: Annotated[str, Query(description=SORT_HELP)] = "requirement_id",
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> Page[RequirementOut]:
    """A page of requirements; 422 for an unknown status or sort key."""
    page = service.list_requirements(
        session,
        actor=actor,
        capability=capability,
        priority=priority,
        status=status,
        replan_needed=replan_needed,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return Page[RequirementOut](
        items=[RequirementOut.model_validate(r) for r in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/requirements/{requirement_id}",
    response_model=RequirementOut,
    summary="Show a requirement",
    responses=responses(precondition=False),
)
def get_requirement(
    requirement_id: str, session: SessionDep, actor: ActorDep, response: Response
) -> RequirementOut:
    """One requirement, with its ETag; 404 if there is none with that id."""
    view = service.get(session, actor=actor, requirement_id=requirement_id)
    set_etag(response, view)
    return RequirementOut.model_validate(view)


@router.post(
    "/requirements",
    response_model=RequirementOut,
    status_code=201,
    summary="Add a requirement (coordinators, recipient officers)",
    responses=responses(201, precondition=False),
)
def create_requirement(
    body: RequirementIn, session: SessionDep, actor: ActorDep, response: Response
) -> RequirementOut:
    """Add an open requirement; 422 naming the field (unknown item, not a delivery site, due week
    outside the horizon), 409 if the id is taken."""
    values = body.model_dump()
    view = service.create(session, actor=actor, **values)
    set_etag(response, view)
    return RequirementOut.model_validate(view)


@router.patch(
    "/requirements/{requirement_id}",
    response_model=RequirementOut,
    summary="Edit a requirement (coordinators, recipient officers)",
    responses=responses(),
)
def edit_requirement(
    requirement_id: str,
    body: RequirementPatch,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> RequirementOut:
    """Change the fields given; 409 unless it is open, or when the quantity would fall below what the
    approved plan allocates to it; 422 naming the field; 404 for an unknown requirement; 412 when
    If-Match is not its current ETag."""
    changes = body.model_dump(exclude_unset=True)
    view = service.edit(
        session, actor=actor, requirement_id=requirement_id, changes=changes, if_match=if_match
    )
    set_etag(response, view)
    return RequirementOut.model_validate(view)


@router.post(
    "/requirements/{requirement_id}/reprioritise",
    response_model=RequirementOut,
    summary="Reprioritise a requirement (coordinators, recipient officers)",
    responses=responses(),
)
def reprioritise_requirement(
    requirement_id: str,
    body: RequirementReprioritise,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> RequirementOut:
    """Set its priority class (and weight); 409 unless it is open; 412 on a stale If-Match."""
    view = service.reprioritise(
        session,
        actor=actor,
        requirement_id=requirement_id,
        priority=body.priority,
        weight=body.weight,
        if_match=if_match,
    )
    set_etag(response, view)
    return RequirementOut.model_validate(view)


@router.post(
    "/requirements/{requirement_id}/cancel",
    response_model=RequirementOut,
    summary="Cancel a requirement (coordinators, recipient officers)",
    responses=responses(),
)
def cancel_requirement(
    requirement_id: str,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    body: RequirementCancel | None = None,
    if_match: IfMatchHeader = None,
) -> RequirementOut:
    """Cancel it (final; the next plan leaves it out); 409 if it is already cancelled; 412 on a stale
    If-Match."""
    reason = body.reason if body is not None else None
    view = service.cancel(
        session, actor=actor, requirement_id=requirement_id, reason=reason, if_match=if_match
    )
    set_etag(response, view)
    return RequirementOut.model_validate(view)
