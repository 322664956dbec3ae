"""Requirements through the service: create, edit, reprioritise, cancel, list; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from aidcoord.access.actor import SYSTEM
from aidcoord.db import session_scope
from aidcoord.errors import Conflict, Forbidden, NotFound, ValidationFailed
from aidcoord.plans import service as plans
from aidcoord.plans.models import PlanAllocation
from aidcoord.requirements import service as requirements
from aidcoord.statemachine import InvalidTransition
from tests.offers.factory import (
    RECIPIENT,
    VIEWER,
    allocated,
    approve_greedy_plan,
    load,
    most_allocated,
    nation_officer,
    run_concurrently,
)

NEW = {
    "item_id": "ITM-0001",
    "quantity": 12,
    "priority": 1,
    "weight": 3.0,
    "due_week": 10,
    "delivery_site_id": "DLV-01",
}


@pytest.fixture
def loaded(session: Session) -> Session:
    load(session)
    return session


def columns(error: ValidationFailed) -> list[str | None]:
    return [p.column for p in error.problems]


def test_create_validates_against_the_catalogue_sites_and_horizon(loaded: Session) -> None:
    made = requirements.create(loaded, actor=RECIPIENT, requirement_id="REQ-NEW", **NEW)
    assert (made.status, made.capability, made.allocated, made.replan_needed) == (
        "open",
        "air-defence",
        0,
        False,
    )
    assert made.allowed_actions == ("cancel", "edit", "reprioritise")
    assert requirements.get(loaded, actor=VIEWER, requirement_id="REQ-NEW") == made
    generated = requirements.create(loaded, actor=SYSTEM, **NEW)
    assert generated.requirement_id.startswith("REQ-")
    with pytest.raises(Conflict, match="already exists"):
        requirements.create(loaded, actor=SYSTEM, requirement_id="REQ-NEW", **NEW)
    with pytest.raises(ValidationFailed) as bad:
        requirements.create(
            loaded, actor=SYSTEM, **{**NEW, "item_id": "NOPE", "delivery_site_id": "HUB-01", "due_week": 26}
        )
    assert sorted(c for c in columns(bad.value) if c) == ["delivery_site_id", "due_week", "item_id"]
    with pytest.raises(ValidationFailed) as bad:
        requirements.create(loaded, actor=SYSTEM, **{**NEW, "quantity": 0, "weight": -1})
    assert sorted(c for c in columns(bad.value) if c) == ["quantity", "weight"]
    with pytest.raises(Forbidden):
        requirements.create(loaded, actor=nation_officer("N001"), **NEW)
    with pytest.raises(NotFound):
        requirements.get(loaded, actor=SYSTEM, requirement_id="NOPE")


def test_transitions_allowed_while_open_and_refused_once_cancelled(loaded: Session) -> None:
    rid = "REQ-00001"
    edited = requirements.edit(
        loaded, actor=RECIPIENT, requirement_id=rid, changes={"quantity": 30, "due_week": 12, "weight": 2.5}
    )
    assert (edited.quantity, edited.due_week, edited.weight) == (30, 12, 2.5)
    moved = requirements.reprioritise(loaded, actor=SYSTEM, requirement_id=rid, priority=1, weight=4.0)
    assert (moved.priority, moved.weight) == (1, 4.0)
    with pytest.raises(ValidationFailed) as bad:
        requirements.edit(loaded, actor=SYSTEM, requirement_id=rid, changes={"priority": 2, "due_week": 99})
    assert columns(bad.value) == ["priority"]  # refused before the values are looked at
    with pytest.raises(ValidationFailed) as bad:
        requirements.edit(loaded, actor=SYSTEM, requirement_id=rid, changes={"due_week": 99})
    assert columns(bad.value) == ["due_week"]
    with pytest.raises(Forbidden):
        requirements.cancel(loaded, actor=VIEWER, requirement_id=rid)

    cancelled = requirements.cancel(loaded, actor=SYSTEM, requirement_id=rid, reason="no longer needed")
    assert cancelled.status == "cancelled"
    assert cancelled.allowed_actions == ()
    assert cancelled.extra["cancellation_reason"] == "no longer needed"
    for attempt in (
        lambda: requirements.cancel(loaded, actor=SYSTEM, requirement_id=rid),
        lambda: requirements.edit(loaded, actor=SYSTEM, requirement_id=rid, changes={"quantity": 5}),
        lambda: requirements.reprioritise(loaded, actor=SYSTEM, requirement_id=rid, priority=2),
    ):
        with pytest.raises(InvalidTransition) as refused:
            attempt()
        assert refused.value.status == 409
        assert "requirement REQ-00001 is cancelled" in refused.value.message
        assert "allowed from cancelled: nothing (it is final)" in refused.value.message
    with pytest.raises(NotFound):
        requirements.cancel(loaded, actor=SYSTEM, requirement_id="NOPE")
    assert requirements.cancelled_ids(loaded, actor=SYSTEM) == {rid}


def test_list_filters_sorts_and_pages(loaded: Session) -> None:
    everything = requirements.list_requirements(loaded, actor=VIEWER, limit=1000)
    assert everything.total == 60
    assert [r.requirement_id for r in everything.items] == sorted(r.requirement_id for r in everything.items)
    page = requirements.list_requirements(loaded, actor=VIEWER, sort="-quantity", limit=7, offset=5)
    assert (page.total, len(page.items), page.offset) == (60, 7, 5)
    by_quantity = sorted(everything.items, key=lambda r: (-r.quantity, r.requirement_id))
    assert [r.requirement_id for r in page.items] == [r.requirement_id for r in by_quantity[5:12]]
    due = requirements.list_requirements(loaded, actor=VIEWER, sort="due_week", limit=1000).items
    assert [r.due_week for r in due] == sorted(r.due_week for r in due)

    first = requirements.list_requirements(loaded, actor=VIEWER, priority=1, limit=1000)
    assert first.total == 20
    assert {r.priority for r in first.items} == {1}
    air = requirements.list_requirements(loaded, actor=VIEWER, capability="air-defence", limit=1000)
    assert air.total == sum(1 for r in everything.items if r.capability == "air-defence") > 0
    requirements.cancel(loaded, actor=SYSTEM, requirement_id="REQ-00002")
    assert requirements.list_requirements(loaded, actor=VIEWER, status="cancelled").total == 1
    assert requirements.list_requirements(loaded, actor=VIEWER, status="open").total == 59
    for bad, column in (
        ({"sort": "colour"}, "sort"),
        ({"status": "closed"}, "status"),
        ({"limit": 0}, "limit"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            requirements.list_requirements(loaded, actor=VIEWER, **bad)  # type: ignore[arg-type]
        assert columns(refused.value) == [column]
    assert [c.priority for c in requirements.by_priority(loaded, actor=VIEWER)] == [1, 2, 3, 4]


def test_allocated_requirements_keep_their_supply_and_cancelled_ones_leave_the_plan(loaded: Session) -> None:
    approve_greedy_plan(loaded)
    rid, units = most_allocated(loaded, PlanAllocation.requirement_id)
    assert requirements.get(loaded, actor=SYSTEM, requirement_id=rid).allocated == units
    with pytest.raises(Conflict, match=f"allocates {units} units"):
        requirements.edit(loaded, actor=SYSTEM, requirement_id=rid, changes={"quantity": units - 1})
    with pytest.raises(Conflict, match="item_id cannot change"):
        requirements.edit(loaded, actor=SYSTEM, requirement_id=rid, changes={"item_id": "ITM-0001"})
    assert (
        requirements.edit(loaded, actor=SYSTEM, requirement_id=rid, changes={"quantity": units}).quantity
        == units
    )

    cancelled = requirements.cancel(loaded, actor=SYSTEM, requirement_id=rid)
    assert cancelled.replan_needed  # the approved plan still ships to it: replan
    summary = plans.create_plan(loaded, actor=SYSTEM, method="greedy")
    detail = plans.get_plan(loaded, actor=SYSTEM, version=summary.version)
    assert all(a.requirement_id != rid for a in detail.allocations)
    assert all(u.requirement_id != rid for u in detail.unmet)
    assert not requirements.get(loaded, actor=SYSTEM, requirement_id=rid).replan_needed


def test_concurrent_edits_never_take_a_requirement_below_its_allocation(migrated_engine: Engine) -> None:
    """Decision: reducing a requirement below its approved allocation is a Conflict, also under races."""
    with session_scope(migrated_engine) as session:
        load(session)
        approve_greedy_plan(session)
        rid, units = most_allocated(session, PlanAllocation.requirement_id)
    assert units >= 2
    targets = [units - 1, units + 3, 1, units, units + 1, units - 2]

    def edit_to(quantity: int) -> Callable[[Session], Any]:
        return lambda s: requirements.edit(
            s, actor=SYSTEM, requirement_id=rid, changes={"quantity": quantity}
        )

    results = run_concurrently(migrated_engine, [edit_to(q) for q in targets])
    for quantity, result in zip(targets, results, strict=True):
        if quantity < units:
            assert isinstance(result, Conflict), result
        else:
            assert not isinstance(result, Exception), result
            assert result.quantity == quantity
    with session_scope(migrated_engine, write=False) as session:
        final = requirements.get(session, actor=SYSTEM, requirement_id=rid)
        assert final.quantity >= allocated(session, requirement_id=rid) == units
        assert final.quantity in {q for q in targets if q >= units}
