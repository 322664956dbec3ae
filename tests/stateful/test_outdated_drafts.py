"""The bug the stateful test found, pinned down: a draft that no longer fits is not approved.

Only the approved plan protects its offers and requirements from changes (an offer's quantity may not
drop below its allocated units, …); a draft does not. Before the fix, a draft planned before such a
change could still be approved, and then allocated more than was committed, or shipped to a cancelled
requirement, or from an offer that was only announced.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from aidcoord.access.actor import SYSTEM
from aidcoord.audit.models import AuditRecord
from aidcoord.dataset import service as dataset
from aidcoord.db import session_scope
from aidcoord.errors import Conflict
from aidcoord.offers import service as offers
from aidcoord.offers.models import Offer
from aidcoord.plans import service as plans
from aidcoord.plans.models import Plan, PlanAllocation
from aidcoord.requirements import service as requirements
from aidcoord.scenario.generate import generate


def _units(session: Session, version: int, column: object) -> dict[str, int]:
    query = (
        select(column, func.sum(PlanAllocation.quantity))
        .join(Plan, Plan.plan_id == PlanAllocation.plan_id)
        .where(Plan.version == version)
        .group_by(column)
    )
    return {str(i): int(n) for i, n in session.execute(query)}


def _refused(engine: Engine, version: int, change: Callable[[Session], None]) -> str:
    """Make a draft, `change` something it relies on, and try to approve it; the refusal's message."""
    with session_scope(engine) as session:
        assert plans.create_plan(session, actor=SYSTEM, method="greedy").version == version
    with session_scope(engine) as session:
        change(session)
    with session_scope(engine) as session:
        records = session.scalar(select(func.count()).select_from(AuditRecord))
    with pytest.raises(Conflict) as refused, session_scope(engine) as session:
        plans.approve_plan(session, actor=SYSTEM, version=version, reason="weekly board")
    assert refused.value.code == "plan_outdated"
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(AuditRecord)) == records
        assert session.scalar(select(Plan.status).where(Plan.version == version)) == "draft"
    return refused.value.message


def test_a_draft_that_no_longer_fits_is_not_approved(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        dataset.load_scenario(session, actor=SYSTEM, scenario=generate("S", 41))

    def cut_an_offer(session: Session) -> None:
        offer_id, units = max(_units(session, 1, PlanAllocation.offer_id).items(), key=lambda x: x[1])
        offers.amend(session, actor=SYSTEM, offer_id=offer_id, changes={"quantity": units - 1})

    message = _refused(migrated_engine, 1, cut_an_offer)
    assert "no longer fits" in message
    assert "which has only" in message

    def cancel_a_requirement(session: Session) -> None:
        requirement_id = min(_units(session, 2, PlanAllocation.requirement_id))
        requirements.cancel(session, actor=SYSTEM, requirement_id=requirement_id, reason="not needed")

    assert "does not exist" in _refused(migrated_engine, 2, cancel_a_requirement)

    with session_scope(migrated_engine) as session:
        announced = set(session.scalars(select(Offer.offer_id).where(Offer.status == "announced")))
        draft = plans.create_plan(session, actor=SYSTEM, method="greedy", include_announced=True).version
        assert announced & set(_units(session, draft, PlanAllocation.offer_id))
    with pytest.raises(Conflict, match="not a planned"), session_scope(migrated_engine) as session:
        plans.approve_plan(session, actor=SYSTEM, version=draft, reason="weekly board")

    # Planned again, the current state is approved, and allocates no more than each offer holds.
    with session_scope(migrated_engine) as session:
        version = plans.create_plan(session, actor=SYSTEM, method="greedy").version
        plans.approve_plan(session, actor=SYSTEM, version=version, reason="weekly board")
    with session_scope(migrated_engine) as session:
        quantity = {str(o): int(q) for o, q in session.execute(select(Offer.offer_id, Offer.quantity))}
        for offer_id, units in _units(session, version, PlanAllocation.offer_id).items():
            assert units <= quantity[offer_id]
