"""What-ifs, dependency and reliability still work when the approved plan has gone out of date.

A requirement cancelled or an offer withdrawn after approval leaves allocations in the stored plan that
today's problem no longer has; the analyses compare against the plan without them.
"""

from __future__ import annotations

from sqlalchemy import Engine

from aidcoord.access.actor import SYSTEM
from aidcoord.analysis import whatif as core
from aidcoord.dataset import service as dataset
from aidcoord.db import session_scope
from aidcoord.offers import service as offers
from aidcoord.plans import service as plans
from aidcoord.reports import risk
from aidcoord.requirements import service as requirements
from aidcoord.scenario.generate import generate
from aidcoord.whatif import service as whatif


def test_analyses_after_a_cancellation_and_a_withdrawal(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        dataset.load_scenario(session, actor=SYSTEM, scenario=generate("S", 1))
        plans.create_plan(session, actor=SYSTEM, method="greedy")
        plans.approve_plan(session, actor=SYSTEM, version=1, reason="board")
        allocations = plans.get_plan(session, actor=SYSTEM, version=1).allocations
        cancelled = allocations[0].requirement_id
        withdrawn = next(a.offer_id for a in allocations if a.requirement_id != cancelled)
        requirements.cancel(session, actor=SYSTEM, requirement_id=cancelled, reason="no longer needed")
        offers.withdraw(session, actor=SYSTEM, offer_id=withdrawn, reason="needed at home")
    with session_scope(migrated_engine, write=False) as session:
        last = allocations[-1].offer_id
        donor = next(o.nation_id for o in offers.list_all(session, actor=SYSTEM) if o.offer_id == last)
        outcome = whatif.run(session, actor=SYSTEM, changes=[core.WithdrawNation(donor, 2)])
        assert outcome.baseline_version == 1
        assert cancelled not in {u.requirement_id for u in outcome.comparison.newly_unmet}
        assert risk.dependency_report(session, actor=SYSTEM).plan_version == 1
        reliability = risk.reliability(session, actor=SYSTEM, runs=20, seed=1)
        assert cancelled not in reliability.result.requirement_ids
