"""Offers through the service: announce, commit, amend, withdraw, visibility; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from aidcoord.access.actor import SYSTEM
from aidcoord.db import session_scope
from aidcoord.errors import Conflict, Forbidden, NotFound, ValidationFailed
from aidcoord.offers import service as offers
from aidcoord.plans import service as plans
from aidcoord.plans.models import PlanAllocation
from aidcoord.requirements import service as requirements
from aidcoord.statemachine import InvalidTransition
from tests.offers.factory import (
    AUDITOR,
    RECIPIENT,
    SCENARIO,
    VIEWER,
    allocated,
    approve_greedy_plan,
    load,
    most_allocated,
    nation_officer,
    run_concurrently,
)

PLEDGE = {
    "nation_id": "N001",
    "item_id": "ITM-0002",
    "quantity": 40,
    "available_week": 3,
    "origin_site_id": "DEP-N001-1",
    "valuation_method": "replacement",
}
UNIT_VALUE = next(i.unit_value_eur for i in SCENARIO.items if i.item_id == "ITM-0002")


@pytest.fixture
def loaded(session: Session) -> Session:
    load(session)
    return session


def columns(error: ValidationFailed) -> list[str | None]:
    return [p.column for p in error.problems]


def test_announce_records_value_and_provenance(loaded: Session) -> None:
    stated = offers.announce(
        loaded,
        actor=SYSTEM,
        offer_id="OFF-NEW",
        value_eur=1.5e6,
        source="https://example.org/pledge-2025-03",
        announced_on=dt.date(2025, 3, 3),
        **PLEDGE,
    )
    assert (stated.status, stated.value_eur, stated.value_computed) == ("announced", 1.5e6, False)
    assert (stated.valuation_method, stated.source, stated.announced_on) == (
        "replacement",
        "https://example.org/pledge-2025-03",
        dt.date(2025, 3, 3),
    )
    assert stated.allowed_actions == ("amend", "commit", "withdraw")
    computed = offers.announce(loaded, actor=nation_officer("N001"), **PLEDGE)
    assert computed.offer_id.startswith("OFF-")
    assert (computed.value_eur, computed.value_computed) == (pytest.approx(40 * UNIT_VALUE), True)
    assert computed.announced_on == dt.datetime.now(dt.UTC).date()
    # Funded procurement: the origin may be another nation's depot.
    assert offers.announce(loaded, actor=SYSTEM, **{**PLEDGE, "origin_site_id": "DEP-N009-1"}).quantity == 40
    with pytest.raises(Conflict, match="already exists"):
        offers.announce(loaded, actor=SYSTEM, offer_id="OFF-NEW", **PLEDGE)
    with pytest.raises(ValidationFailed) as bad:
        offers.announce(
            loaded,
            actor=SYSTEM,
            **{
                **PLEDGE,
                "nation_id": "XXX",
                "item_id": "NOPE",
                "origin_site_id": "HUB-01",
                "quantity": 0,
                "valuation_method": "guess",
            },
        )
    assert sorted(c for c in columns(bad.value) if c) == [
        "item_id",
        "nation_id",
        "origin_site_id",
        "quantity",
        "valuation_method",
    ]
    with pytest.raises(Forbidden, match="own nation"):
        offers.announce(loaded, actor=nation_officer("N002"), **PLEDGE)
    with pytest.raises(Forbidden):
        offers.announce(loaded, actor=RECIPIENT, **PLEDGE)


def test_each_transition_allowed_and_refused(loaded: Session) -> None:
    oid = offers.announce(loaded, actor=SYSTEM, offer_id="OFF-NEW", **PLEDGE).offer_id
    amended = offers.amend(
        loaded, actor=SYSTEM, offer_id=oid, changes={"quantity": 50, "value_eur": 2e6, "source": "note 7"}
    )
    assert (amended.quantity, amended.value_eur, amended.source, amended.status) == (
        50,
        2e6,
        "note 7",
        "announced",
    )
    assert offers.amend(loaded, actor=SYSTEM, offer_id=oid, changes={"value_eur": None}).value_computed
    committed = offers.commit(loaded, actor=SYSTEM, offer_id=oid)
    assert (committed.status, committed.allowed_actions) == ("committed", ("amend", "withdraw"))
    with pytest.raises(InvalidTransition) as refused:
        offers.commit(loaded, actor=SYSTEM, offer_id=oid)
    assert "offer OFF-NEW is committed: cannot commit; allowed from committed: amend, withdraw" in str(
        refused.value
    )
    assert offers.amend(loaded, actor=SYSTEM, offer_id=oid, changes={"available_week": 5}).available_week == 5
    with pytest.raises(ValidationFailed) as bad:
        offers.withdraw(loaded, actor=SYSTEM, offer_id=oid, reason="  ")
    assert columns(bad.value) == ["reason"]
    with pytest.raises(ValidationFailed) as bad:
        offers.amend(loaded, actor=SYSTEM, offer_id=oid, changes={"item_id": "ITM-0001"})
    assert columns(bad.value) == ["item_id"]
    withdrawn = offers.withdraw(loaded, actor=SYSTEM, offer_id=oid, reason="budget cut")
    assert (withdrawn.offer.status, withdrawn.offer.withdrawal_reason) == ("withdrawn", "budget cut")
    assert withdrawn.affected_requirement_ids == ()
    for attempt in (
        lambda: offers.withdraw(loaded, actor=SYSTEM, offer_id=oid, reason="again"),
        lambda: offers.commit(loaded, actor=SYSTEM, offer_id=oid),
        lambda: offers.amend(loaded, actor=SYSTEM, offer_id=oid, changes={"quantity": 1}),
    ):
        with pytest.raises(InvalidTransition, match=r"is withdrawn: .* nothing \(it is final\)"):
            attempt()
    # announced → withdrawn directly
    other = offers.announce(loaded, actor=SYSTEM, **PLEDGE).offer_id
    assert offers.withdraw(loaded, actor=SYSTEM, offer_id=other, reason="x").offer.status == "withdrawn"
    with pytest.raises(NotFound):
        offers.commit(loaded, actor=SYSTEM, offer_id="NOPE")


def test_nation_officers_see_and_change_only_their_own_offers(loaded: Session) -> None:
    officer = nation_officer("N003")
    own = [o for o in SCENARIO.offers if o.nation_id == "N003"]
    page = offers.list_offers(loaded, actor=officer, limit=1000)
    assert page.total == len(own) == 29
    assert {o.nation_id for o in page.items} == {"N003"}
    assert offers.list_offers(loaded, actor=officer, nation_id="N005").total == 0
    assert {o.offer_id for o in offers.list_all(loaded, actor=officer)} == {o.offer_id for o in own}
    foreign = next(o for o in SCENARIO.offers if o.nation_id == "N005" and o.status == "announced")
    with pytest.raises(NotFound):
        offers.get(loaded, actor=officer, offer_id=foreign.offer_id)
    with pytest.raises(NotFound):
        offers.commit(loaded, actor=officer, offer_id=foreign.offer_id)
    mine = next(o for o in own if o.status == "announced")
    assert offers.commit(loaded, actor=officer, offer_id=mine.offer_id).status == "committed"
    for who in (SYSTEM, AUDITOR, VIEWER):
        assert offers.list_offers(loaded, actor=who).total == len(SCENARIO.offers)
    assert offers.get(loaded, actor=AUDITOR, offer_id=foreign.offer_id).nation_id == "N005"
    with pytest.raises(Forbidden):
        offers.commit(loaded, actor=AUDITOR, offer_id=foreign.offer_id)


def test_list_filters_sorts_and_pages(loaded: Session) -> None:
    everything = offers.list_offers(loaded, actor=SYSTEM, limit=1000)
    assert everything.total == 150
    committed = offers.list_offers(loaded, actor=SYSTEM, status="committed", limit=1000)
    assert committed.total == 122
    assert offers.list_offers(loaded, actor=SYSTEM, nation_id="N003", status="withdrawn").total == sum(
        1 for o in SCENARIO.offers if o.nation_id == "N003" and o.status == "withdrawn"
    )
    item = offers.list_offers(loaded, actor=SYSTEM, item_id="ITM-0019", limit=1000)
    assert item.total == sum(1 for o in SCENARIO.offers if o.item_id == "ITM-0019")
    medical = offers.list_offers(loaded, actor=SYSTEM, capability="medical", limit=1000)
    assert medical.total == sum(1 for o in everything.items if o.capability == "medical") > 0
    by_value = offers.list_offers(loaded, actor=SYSTEM, sort="-value_eur", limit=10, offset=10)
    expected = sorted(everything.items, key=lambda o: (-o.value_eur, o.offer_id))[10:20]
    assert [o.offer_id for o in by_value.items] == [o.offer_id for o in expected]
    weeks = offers.list_offers(loaded, actor=SYSTEM, sort="available_week", limit=1000).items
    assert [o.available_week for o in weeks] == sorted(o.available_week for o in weeks)
    for bad, column in (({"sort": "colour"}, "sort"), ({"status": "pledged"}, "status")):
        with pytest.raises(ValidationFailed) as refused:
            offers.list_offers(loaded, actor=SYSTEM, **bad)  # type: ignore[arg-type]
        assert columns(refused.value) == [column]


def test_allocated_offers_stay_covered_and_withdrawal_makes_the_next_plan_replace_them(
    loaded: Session,
) -> None:
    version = approve_greedy_plan(loaded)
    oid, units = most_allocated(loaded, PlanAllocation.offer_id)
    view = offers.get(loaded, actor=SYSTEM, offer_id=oid)
    assert view.allocated == units
    with pytest.raises(Conflict, match=f"allocates {units} units"):
        offers.amend(loaded, actor=SYSTEM, offer_id=oid, changes={"quantity": units - 1})
    depot = next(s.site_id for s in SCENARIO.sites if s.kind == "depot" and s.site_id != view.origin_site_id)
    with pytest.raises(Conflict, match="origin cannot move"):
        offers.amend(loaded, actor=SYSTEM, offer_id=oid, changes={"origin_site_id": depot})
    with pytest.raises(Conflict, match="available after week"):
        offers.amend(loaded, actor=SYSTEM, offer_id=oid, changes={"available_week": 25})
    assert offers.amend(loaded, actor=SYSTEM, offer_id=oid, changes={"quantity": units}).quantity == units

    served = sorted(
        {
            a.requirement_id
            for a in plans.get_plan(loaded, actor=SYSTEM, version=version).allocations
            if a.offer_id == oid
        }
    )
    nation = offers.get(loaded, actor=SYSTEM, offer_id=oid).nation_id
    result = offers.withdraw(
        loaded, actor=nation_officer(nation), offer_id=oid, reason="stock needed at home"
    )
    assert list(result.affected_requirement_ids) == served
    assert result.offer.allocated == 0
    assert allocated(loaded, offer_id=oid) == 0
    flags = loaded.scalars(select(PlanAllocation.invalidated).where(PlanAllocation.offer_id == oid)).all()
    assert flags
    assert all(flags)
    flagged = requirements.list_requirements(loaded, actor=SYSTEM, replan_needed=True, limit=1000)
    assert sorted(r.requirement_id for r in flagged.items) == served

    summary = plans.create_plan(loaded, actor=SYSTEM, method="greedy")
    detail = plans.get_plan(loaded, actor=SYSTEM, version=summary.version)
    assert all(a.offer_id != oid for a in detail.allocations)
    assert requirements.list_requirements(loaded, actor=SYSTEM, replan_needed=True).total == 0
    optimised = plans.create_plan(loaded, actor=SYSTEM)  # warm-started from the plan that used it
    assert all(
        a.offer_id != oid for a in plans.get_plan(loaded, actor=SYSTEM, version=optimised.version).allocations
    )


def test_concurrent_amendments_never_take_an_offer_below_its_allocation(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        load(session)
        approve_greedy_plan(session)
        oid, units = most_allocated(session, PlanAllocation.offer_id)
    assert units >= 3
    targets = [units - 1, units + 50, 1, units, units + 7, units - 3, units * 2, units // 2]

    def amend_to(quantity: int) -> Callable[[Session], Any]:
        return lambda s: offers.amend(s, actor=SYSTEM, offer_id=oid, changes={"quantity": quantity})

    results = run_concurrently(migrated_engine, [amend_to(q) for q in targets])
    for quantity, result in zip(targets, results, strict=True):
        if quantity < units:
            assert isinstance(result, Conflict), result
        else:
            assert not isinstance(result, Exception), result
    with session_scope(migrated_engine, write=False) as session:
        final = offers.get(session, actor=SYSTEM, offer_id=oid)
        assert final.quantity >= allocated(session, offer_id=oid) == units
        assert final.quantity in {q for q in targets if q >= units}
