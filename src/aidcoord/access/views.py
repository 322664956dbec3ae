"""HTTP routes of the access domain: organisations (read-only until users and tokens exist)."""

from __future__ import annotations

from fastapi import APIRouter

from aidcoord.access import service
from aidcoord.access.schemas import OrganisationOut
from aidcoord.api.deps import ActorDep, SessionDep

router = APIRouter(tags=["reference data"])


@router.get("/organisations", response_model=list[OrganisationOut], summary="List organisations")
def list_organisations(session: SessionDep, actor: ActorDep) -> list[OrganisationOut]:
    """All organisations, by id."""
    return [OrganisationOut.model_validate(o) for o in service.list_all(session, actor=actor)]


@router.get(
    "/organisations/{organisation_id}", response_model=OrganisationOut, summary="Show an organisation"
)
def get_organisation(organisation_id: str, session: SessionDep, actor: ActorDep) -> OrganisationOut:
    """One organisation; 404 if there is none with that id."""
    return OrganisationOut.model_validate(service.get(session, actor=actor, organisation_id=organisation_id))
