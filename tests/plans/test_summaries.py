"""Plan summaries count what the actor may see, the same in the list as for one plan."""

from __future__ import annotations

from sqlalchemy.orm import Session

from aidcoord.access.actor import SYSTEM
from aidcoord.offers import service as offers
from aidcoord.plans import service as plans
from tests.actors import AUDITOR, RECIPIENT, VIEWER, hub_operator, nation_officer
from tests.offers.factory import SCENARIO, approve_greedy_plan, load


def test_the_list_summarises_each_plan_as_get_plan_does_for_every_scope(session: Session) -> None:
    load(session)
    first = approve_greedy_plan(session)
    # A withdrawal invalidates allocations of the approved plan; the counts still cover them.
    withdrawn = plans.get_plan(session, actor=SYSTEM, version=first).allocations[0].offer_id
    offers.withdraw(session, actor=SYSTEM, offer_id=withdrawn, reason="needed at home")
    plans.create_plan(session, actor=SYSTEM, method="greedy")
    nation = {o.offer_id: o.nation_id for o in SCENARIO.offers}
    everything = {v: plans.get_plan(session, actor=SYSTEM, version=v).allocations for v in (1, 2)}
    hub = everything[1][0].hub_site_id
    officer = nation_officer(nation[everything[1][-1].offer_id])
    expected = {
        SYSTEM: {v: len(a) for v, a in everything.items()},
        RECIPIENT: {v: len(a) for v, a in everything.items()},
        officer: {v: sum(nation[x.offer_id] == officer.nation_id for x in a) for v, a in everything.items()},
        hub_operator(hub): {v: sum(x.hub_site_id == hub for x in a) for v, a in everything.items()},
    }
    for actor in (*expected, AUDITOR, VIEWER, nation_officer("N005")):
        summaries = plans.list_plans(session, actor=actor)
        assert [s.version for s in summaries] == [2, 1]
        for summary in summaries:
            detail = plans.get_plan(session, actor=actor, version=summary.version)
            assert summary == detail.summary
            assert summary.allocations == len(detail.allocations)
            assert summary.unmet == len(detail.unmet)
            if actor in expected:
                assert summary.allocations == expected[actor][summary.version], actor.user_id
    assert 0 < expected[officer][1] < expected[SYSTEM][1]
    assert 0 < expected[hub_operator(hub)][1] < expected[SYSTEM][1]
