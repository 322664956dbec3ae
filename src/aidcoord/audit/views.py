"""HTTP routes of the audit domain: the history of changes and the chain's verification."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from aidcoord.api.deps import ActorDep, SessionDep
from aidcoord.api.pagination import LimitQuery, OffsetQuery, Page
from aidcoord.api.problems import PROBLEM_RESPONSES
from aidcoord.api.routing import api_router
from aidcoord.audit import service
from aidcoord.audit.schemas import AuditEntryOut, AuditVerificationOut

router = api_router(tags=["audit"])

FORBIDDEN: dict[int | str, dict[str, Any]] = {
    403: {**PROBLEM_RESPONSES[403], "description": "Only auditors and coordinators read the audit trail."}
}


@router.get(
    "/audit",
    response_model=Page[AuditEntryOut],
    summary="List audit records (auditors, coordinators)",
    responses={
        **FORBIDDEN,
        422: {**PROBLEM_RESPONSES[422], "description": "The limit or offset is out of range."},
    },
)
def list_audit(
    session: SessionDep,
    actor: ActorDep,
    entity: Annotated[str | None, Query(description="Only records of this kind of entity.")] = None,
    entity_id: Annotated[str | None, Query(description="Only records of this entity id.")] = None,
    user_id: Annotated[str | None, Query(description="Only changes made by this user.")] = None,
    action: Annotated[str | None, Query(description="Only this action, e.g. offer.withdraw.")] = None,
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> Page[AuditEntryOut]:
    """A page of audit records matching the filters, newest first."""
    page = service.list_entries(
        session,
        actor=actor,
        entity=entity,
        entity_id=entity_id,
        user_id=user_id,
        action=action,
        limit=limit,
        offset=offset,
    )
    return Page[AuditEntryOut](
        items=[AuditEntryOut.model_validate(e) for e in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/audit/verify",
    response_model=AuditVerificationOut,
    summary="Verify the audit trail's hash chain (auditors, coordinators)",
    responses=FORBIDDEN,
)
def verify_audit(session: SessionDep, actor: ActorDep) -> AuditVerificationOut:
    """Recompute every record's hash in order; `ok` false names the first broken record (200 either way)."""
    return AuditVerificationOut.model_validate(service.verify(session, actor=actor))
