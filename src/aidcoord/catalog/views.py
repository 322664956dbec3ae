"""HTTP routes of the catalogue: items and substitutes (read for all, write for coordinators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from aidcoord.api.deps import ActorDep, SessionDep
from aidcoord.api.routing import api_router
from aidcoord.catalog import service
from aidcoord.catalog.schemas import ItemIn, ItemOut, ItemPatch, SubstituteIn, SubstituteOut
from aidcoord.scenario.model import Item, Substitute

router = api_router(tags=["reference data"])


@router.get("/items", response_model=list[ItemOut], summary="List catalogue items")
def list_items(
    session: SessionDep,
    actor: ActorDep,
    capability: Annotated[str | None, Query(description="Only items of this capability.")] = None,
    category: Annotated[str | None, Query(description="Only items of this category.")] = None,
) -> list[ItemOut]:
    """All items, by id."""
    items = service.list_items(session, actor=actor, capability=capability, category=category)
    return [ItemOut.model_validate(i) for i in items]


@router.get("/items/{item_id}", response_model=ItemOut, summary="Show a catalogue item")
def get_item(item_id: str, session: SessionDep, actor: ActorDep) -> ItemOut:
    """One item; 404 if there is none with that id."""
    return ItemOut.model_validate(service.get_item(session, actor=actor, item_id=item_id))


@router.post("/items", response_model=ItemOut, status_code=201, summary="Add a catalogue item (coordinators)")
def add_item(body: ItemIn, session: SessionDep, actor: ActorDep) -> ItemOut:
    """Add an item; 422 naming the field, 409 if the id is taken."""
    return ItemOut.model_validate(service.add_item(session, actor=actor, item=Item(**body.model_dump())))


@router.patch("/items/{item_id}", response_model=ItemOut, summary="Change a catalogue item (coordinators)")
def update_item(item_id: str, body: ItemPatch, session: SessionDep, actor: ActorDep) -> ItemOut:
    """Change the fields given; 404 for an unknown item."""
    changes = body.model_dump(exclude_unset=True)
    return ItemOut.model_validate(service.update_item(session, actor=actor, item_id=item_id, changes=changes))


@router.get("/substitutes", response_model=list[SubstituteOut], summary="List substitute pairs")
def list_substitutes(
    session: SessionDep,
    actor: ActorDep,
    item_id: Annotated[str | None, Query(description="Only the substitutes for this item.")] = None,
) -> list[SubstituteOut]:
    """All pairs, by item then substitute."""
    pairs = service.list_substitutes(session, actor=actor, item_id=item_id)
    return [SubstituteOut.model_validate(p) for p in pairs]


@router.post(
    "/substitutes", response_model=SubstituteOut, status_code=201, summary="Add a substitute (coordinators)"
)
def add_substitute(body: SubstituteIn, session: SessionDep, actor: ActorDep) -> SubstituteOut:
    """Add a pair of two existing, different items; 422 naming the field, 409 if the pair exists."""
    pair = service.add_substitute(session, actor=actor, substitute=Substitute(**body.model_dump()))
    return SubstituteOut.model_validate(pair)


@router.delete(
    "/substitutes/{item_id}/{substitute_item_id}",
    status_code=204,
    response_class=Response,
    summary="Remove a substitute (coordinators)",
)
def remove_substitute(item_id: str, substitute_item_id: str, session: SessionDep, actor: ActorDep) -> None:
    """Remove the pair; 404 if there is no such pair."""
    service.remove_substitute(session, actor=actor, item_id=item_id, substitute_item_id=substitute_item_id)
