"""HTTP routes of the nations domain."""

from __future__ import annotations

from aidcoord.api.deps import ActorDep, SessionDep
from aidcoord.api.routing import api_router
from aidcoord.nations import service
from aidcoord.nations.schemas import NationIn, NationOut, NationPatch
from aidcoord.scenario.model import Nation

router = api_router(tags=["reference data"])


@router.get("/nations", response_model=list[NationOut], summary="List nations")
def list_nations(session: SessionDep, actor: ActorDep) -> list[NationOut]:
    """All nations, by id."""
    return [NationOut.model_validate(n) for n in service.list_all(session, actor=actor)]


@router.get("/nations/{nation_id}", response_model=NationOut, summary="Show a nation")
def get_nation(nation_id: str, session: SessionDep, actor: ActorDep) -> NationOut:
    """One nation."""
    return NationOut.model_validate(service.get(session, actor=actor, nation_id=nation_id))


@router.post("/nations", response_model=NationOut, status_code=201, summary="Add a nation (coordinators)")
def add_nation(body: NationIn, session: SessionDep, actor: ActorDep) -> NationOut:
    """Add a nation; 409 if the id is taken."""
    nation = service.add(session, actor=actor, nation=Nation(**body.model_dump()))
    return NationOut.model_validate(nation)


@router.patch("/nations/{nation_id}", response_model=NationOut, summary="Change a nation (coordinators)")
def update_nation(nation_id: str, body: NationPatch, session: SessionDep, actor: ActorDep) -> NationOut:
    """Change the fields given (name, GDP, defence share, NATO membership); 404 for an unknown nation."""
    changes = body.model_dump(exclude_unset=True)
    return NationOut.model_validate(
        service.update(session, actor=actor, nation_id=nation_id, changes=changes)
    )
