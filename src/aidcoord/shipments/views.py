"""HTTP routes of the shipments domain."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response

from aidcoord.api.concurrency import ETAG_HEADER, IfMatchHeader, responses, set_etag
from aidcoord.api.deps import ActorDep, SessionDep
from aidcoord.api.pagination import LimitQuery, OffsetQuery, Page
from aidcoord.api.problems import PROBLEM_RESPONSES
from aidcoord.api.routing import api_router
from aidcoord.shipments import service
from aidcoord.shipments.schemas import (
    ShipmentDetailOut,
    ShipmentEventBatchIn,
    ShipmentEventBatchOut,
    ShipmentEventIn,
    ShipmentEventOut,
    ShipmentEventRecorded,
    ShipmentOut,
    ShipmentsCreate,
    ShipmentsCreated,
    ShipmentStatus,
)

router = api_router(tags=["shipments"])


def documented(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """Problem+json responses with route-specific descriptions (a route's own entry replaces the router's)."""
    return {
        status: {**PROBLEM_RESPONSES[status], "description": text} for status, text in descriptions.items()
    }


def _out(view: service.ShipmentView) -> ShipmentOut:
    return ShipmentOut.model_validate(view)


@router.post(
    "/shipments",
    response_model=ShipmentsCreated,
    status_code=201,
    summary="Make shipments from the approved plan (coordinators)",
    responses=documented({409: "No plan is approved, or the version given is not the approved one."}),
)
def create_shipments(
    session: SessionDep, actor: ActorDep, body: ShipmentsCreate | None = None
) -> ShipmentsCreated:
    """One `planned` shipment per allocation of the approved plan; calling again creates none twice."""
    result = service.create_from_approved_plan(
        session, actor=actor, version=body.version if body is not None else None
    )
    return ShipmentsCreated(
        plan_version=result.plan_version,
        created=len(result.created),
        existing=result.existing,
        shipment_ids=list(result.created),
    )


@router.get("/shipments", response_model=Page[ShipmentOut], summary="List shipments")
def list_shipments(
    session: SessionDep,
    actor: ActorDep,
    limit: LimitQuery = 100,
    offset: OffsetQuery = 0,
    status: Annotated[ShipmentStatus | None, Query(description="Only shipments in this status.")] = None,
    hub: Annotated[str | None, Query(description="Only shipments through this hub site.")] = None,
    requirement: Annotated[str | None, Query(description="Only shipments to this requirement.")] = None,
    offer: Annotated[str | None, Query(description="Only shipments from this offer.")] = None,
    nation: Annotated[str | None, Query(description="Only shipments from this nation's offers.")] = None,
    q: Annotated[
        str | None, Query(max_length=100, description="Search the shipment, offer, requirement and hub ids.")
    ] = None,
) -> Page[ShipmentOut]:
    """The shipments the caller may see, by plan and allocation, with the total that match."""
    page = service.list_shipments(
        session,
        actor=actor,
        status=status,
        hub_site_id=hub,
        requirement_id=requirement,
        offer_id=offer,
        nation_id=nation,
        q=q,
        limit=limit,
        offset=offset,
    )
    return Page[ShipmentOut](
        items=[_out(v) for v in page.items], total=page.total, limit=page.limit, offset=page.offset
    )


@router.get(
    "/shipments/{shipment_id}",
    response_model=ShipmentDetailOut,
    summary="Show a shipment",
    responses=responses(precondition=False),
)
def get_shipment(
    shipment_id: str, session: SessionDep, actor: ActorDep, response: Response
) -> ShipmentDetailOut:
    """A shipment with its event timeline and its ETag (of the shipment's state)."""
    detail = service.get_shipment(session, actor=actor, shipment_id=shipment_id)
    set_etag(response, detail.shipment)
    return ShipmentDetailOut(
        **_out(detail.shipment).model_dump(),
        events=[ShipmentEventOut.model_validate(e) for e in detail.events],
    )


@router.post(
    "/shipments/{shipment_id}/events",
    response_model=ShipmentEventRecorded,
    status_code=201,
    summary="Record a shipment event",
    responses={
        200: {
            "model": ShipmentEventRecorded,
            "description": "The idempotency key was seen before: the stored event, nothing changed.",
            "headers": ETAG_HEADER,
        },
        201: {"headers": ETAG_HEADER},
        412: responses()[412],
        **documented(
            {
                403: "The caller's role may not record this event on this shipment.",
                404: "No such shipment.",
                409: "The shipment's status does not allow the event (the problem names the status and "
                "the allowed events), a quantity exceeds what is left, or the idempotency key was used "
                "for a different event.",
                422: "The event is malformed (e.g. received without quantity or signatory).",
            }
        ),
    },
)
def record_event(
    shipment_id: str,
    body: ShipmentEventIn,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    if_match: IfMatchHeader = None,
) -> ShipmentEventRecorded:
    """Append an event and move the shipment on; 201 with the event and the shipment's new state (and
    its ETag); 412 when If-Match is not the shipment's current ETag."""
    recorded = service.record_event(
        session,
        actor=actor,
        shipment_id=shipment_id,
        kind=body.kind,
        week=body.week,
        quantity=body.quantity,
        signatory=body.signatory,
        note=body.note,
        idempotency_key=body.idempotency_key,
        if_match=if_match,
    )
    set_etag(response, recorded.shipment)
    if recorded.replayed:
        response.status_code = 200
    return ShipmentEventRecorded(
        event=ShipmentEventOut.model_validate(recorded.event),
        shipment=_out(recorded.shipment),
        replayed=recorded.replayed,
    )


@router.post(
    "/shipment-events/batch",
    response_model=ShipmentEventBatchOut,
    status_code=201,
    summary="Record up to 1,000 shipment events at once",
    responses={
        200: {
            "model": ShipmentEventBatchOut,
            "description": "Every event was stored before: nothing changed.",
        },
        **documented(
            {
                403: "The caller's role may not record one of the events (the problem names its index).",
                404: "A shipment does not exist (the problem names the event's index).",
                409: "An event is not allowed in its shipment's status, a quantity exceeds what is left, or "
                "an idempotency key was used for a different event (the problem names the index).",
                422: "Events are malformed: each problem names `events[i].field`.",
            }
        ),
    },
)
def record_events(
    body: ShipmentEventBatchIn, session: SessionDep, actor: ActorDep, response: Response
) -> dict[str, Any]:
    """Apply the events in order in one transaction, each as `POST /shipments/{id}/events` would, each
    with its audit record; the first refused refuses them all (nothing is written) and the problem names
    its index. 201 when an event was stored, 200 when every one was a replay."""
    recorded = service.record_events(
        session,
        actor=actor,
        events=[
            service.EventInput(
                shipment_id=e.shipment_id,
                kind=e.kind,
                idempotency_key=e.idempotency_key,
                week=e.week,
                quantity=e.quantity,
                signatory=e.signatory,
                note=e.note,
            )
            for e in body.events
        ],
    )
    # Committed before the answer is built, not after it is serialised (where the session's
    # dependency would): the batch's shipments stay locked until the commit, and other batches and
    # events on them queue for that long.
    session.commit()
    replayed = sum(1 for r in recorded if r.replayed)
    if replayed == len(recorded):
        response.status_code = 200
    # Plain values, validated into ShipmentEventBatchOut (the route's response model) in one call of
    # pydantic-core, which reads each event's attributes: a model per result built here costs several
    # times more for 1,000 results.
    return {
        "stored": len(recorded) - replayed,
        "replayed": replayed,
        "results": [
            {"index": index, "event": r.event, "shipment_status": r.shipment.status, "replayed": r.replayed}
            for index, r in enumerate(recorded)
        ],
    }
