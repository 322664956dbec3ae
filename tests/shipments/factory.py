"""An approved plan to make shipments from, and the actors the role checks need."""

from __future__ import annotations

from sqlalchemy.orm import Session

from aidcoord.access.actor import SYSTEM, Actor
from aidcoord.dataset import service as dataset
from aidcoord.plans import service as plans
from aidcoord.scenario.generate import generate
from aidcoord.shipments import service as shipments

SEED = 41


def approved_plan(session: Session, *, seed: int = SEED) -> int:
    """Load the generated S scenario, plan it (greedy: fast) and approve the plan; its version."""
    dataset.load_scenario(session, actor=SYSTEM, scenario=generate("S", seed))
    summary = plans.create_plan(session, actor=SYSTEM, method="greedy")
    plans.approve_plan(session, actor=SYSTEM, version=summary.version, reason="weekly board")
    return summary.version


def hub_operator(hub: str) -> Actor:
    """An operator of `hub`."""
    return Actor(
        f"ops-{hub.lower()}",
        f"OPS-{hub}",
        frozenset({"hub_operator"}),
        hub_site_id=hub,
        organisation_kind="hub_operator",
    )


def nation_officer(nation: str) -> Actor:
    """An officer of `nation`'s delegation."""
    return Actor(
        f"del-{nation.lower()}",
        f"DEL-{nation}",
        frozenset({"nation_officer"}),
        nation_id=nation,
        organisation_kind="nation_delegation",
    )


RECIPIENT = Actor("rec-1", "REC-RCP", frozenset({"recipient_officer"}), organisation_kind="recipient")
AUDITOR = Actor("aud-1", "AUDIT", frozenset({"auditor"}), organisation_kind="auditor")


def walk(session: Session, shipment_id: str, *kinds: str) -> None:
    """Move a shipment through `kinds` as the coordination cell."""
    for kind in kinds:
        shipments.record_event(session, actor=SYSTEM, shipment_id=shipment_id, kind=kind)
