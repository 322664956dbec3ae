"""HTTP routes of the offers domain: announce, commit, amend and withdraw pledges."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from aidcoord.api.concurrency import IfMatchHeader, responses, set_etag
from aidcoord.api.deps import ActorDep, SessionDep
from aidcoord.api.pagination import LimitQuery, OffsetQuery, Page
from aidcoord.api.routing import api_router
from aidcoord.offers import service
from aidcoord.offers.schemas import OfferIn, OfferOut, OfferPatch, OfferWithdraw, WithdrawalOut

router = api_router(tags=["offers"])

SORT_HELP = f"One of {', '.join(service.SORT_KEYS)}; prefix - to descend (e.g. -value_eur)."


@router.get("/offers", response_model=Page[OfferOut], summary="List offers")
def list_offers(
    session: SessionDep,
    actor: ActorDep,
    nation_id: Annotated[str | None, Query(description="Only this nation's offers.")] = None,
    item_id: Annotated[str | None, Query(description="Only offers of this item.")] = None,
    capability: Annotated[str | None, Query(description="Only offers for this capability.")] = None,
    status: Annotated[str | None, Query(description="announced, committed or withdrawn.")] = None,
    sort: Annotated[str, Query(description=SORT_HELP)] = "offer_id",
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> Page[OfferOut]:
    """A page of the offers the caller may see; 422 for an unknown status or sort key."""
    page = service.list_offers(
        session,
        actor=actor,
        nation_id=nation_id,
        item_id=item_id,
        capability=capability,
        status=status,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return Page[OfferOut](
        items=[OfferOut.model_validate(o) for o in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/offers/{offer_id}",
    response_model=OfferOut,
    summary="Show an offer",
    responses=responses(precondition=False),
)
def get_offer(offer_id: str, session: SessionDep, actor: ActorDep, response: Response) -> OfferOut:
    """One offer, with its ETag; 404 if there is none the caller may see with that id."""
    view = service.get(session, actor=actor, offer_id=offer_id)
    set_etag(response, view)
    return OfferOut.model_validate(view)


@router.post(
    "/offers",
    response_model=OfferOut,
    status_code=201,
    summary="Announce an offer (coordinators, the nation's officers)",
    responses=responses(201, precondition=False),
)
def announce_offer(body: OfferIn, session: SessionDep, actor: ActorDep, response: Response) -> OfferOut:
    """Record an announced pledge; 422 naming the field (unknown nation or item, origin not a depot),
    403 for another nation's officer, 409 if the id is taken."""
    view = service.announce(session, actor=actor, **body.model_dump())
    set_etag(response, view)
    return OfferOut.model_validate(view)


@router.patch(
    "/offers/{offer_id}",
    response_model=OfferOut,
    summary="Amend an offer (coordinators, the nation's officers)",
    responses=responses(),
)
def amend_offer(
    offer_id: str,
    body: OfferPatch,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> OfferOut:
    """Change the fields given; 409 when withdrawn, or when the quantity would fall below what the
    approved plan allocates from it (or, allocated, its origin or week would move past a departure);
    412 when If-Match is not its current ETag."""
    changes = body.model_dump(exclude_unset=True)
    view = service.amend(session, actor=actor, offer_id=offer_id, changes=changes, if_match=if_match)
    set_etag(response, view)
    return OfferOut.model_validate(view)


@router.post(
    "/offers/{offer_id}/commit",
    response_model=OfferOut,
    summary="Commit an announced offer (coordinators, the nation's officers)",
    responses=responses(),
)
def commit_offer(
    offer_id: str, session: SessionDep, actor: ActorDep, response: Response, if_match: IfMatchHeader = None
) -> OfferOut:
    """announced → committed; 409 from any other state (the body names the state and what is allowed);
    412 on a stale If-Match."""
    view = service.commit(session, actor=actor, offer_id=offer_id, if_match=if_match)
    set_etag(response, view)
    return OfferOut.model_validate(view)


@router.post(
    "/offers/{offer_id}/withdraw",
    response_model=WithdrawalOut,
    summary="Withdraw an offer (coordinators, the nation's officers)",
    responses=responses(),
)
def withdraw_offer(
    offer_id: str,
    body: OfferWithdraw,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> WithdrawalOut:
    """announced or committed → withdrawn, with a reason; its planned allocations are invalidated and the
    requirements they served (listed) flagged for replanning. 409 if already withdrawn; 412 on a stale
    If-Match. The ETag is the withdrawn offer's."""
    result = service.withdraw(session, actor=actor, offer_id=offer_id, reason=body.reason, if_match=if_match)
    set_etag(response, result.offer)
    return WithdrawalOut(
        offer=OfferOut.model_validate(result.offer),
        affected_requirement_ids=list(result.affected_requirement_ids),
    )
