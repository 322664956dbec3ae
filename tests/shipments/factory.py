"""An approved plan to make shipments from, and the actors the role checks need."""

from __future__ import annotations

from sqlalchemy.orm import Session

from aidcoord.access.actor import SYSTEM
from aidcoord.dataset import service as dataset
from aidcoord.plans import service as plans
from aidcoord.scenario.generate import generate
from aidcoord.shipments import service as shipments
from tests.actors import AUDITOR, RECIPIENT, hub_operator, nation_officer  # noqa: F401 (re-exported)

SEED = 41


def approved_plan(session: Session, *, seed: int = SEED) -> int:
    """Load the generated S scenario, plan it (greedy: fast) and approve the plan; its version."""
    dataset.load_scenario(session, actor=SYSTEM, scenario=generate("S", seed))
    summary = plans.create_plan(session, actor=SYSTEM, method="greedy")
    plans.approve_plan(session, actor=SYSTEM, version=summary.version, reason="weekly board")
    return summary.version


def walk(session: Session, shipment_id: str, *kinds: str) -> None:
    """Move a shipment through `kinds` as the coordination cell."""
    for kind in kinds:
        shipments.record_event(session, actor=SYSTEM, shipment_id=shipment_id, kind=kind)
