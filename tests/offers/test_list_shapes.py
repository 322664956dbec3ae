"""The offers list agrees with itself and with `get` across actors, filters, sorts and page windows."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session

from aidcoord.access.actor import SYSTEM, Actor
from aidcoord.offers import service as offers
from tests.offers.factory import RECIPIENT, SCENARIO, approve_greedy_plan, load, nation_officer

CAPABILITY = {i.item_id: i.capability for i in SCENARIO.items}
ITEM = SCENARIO.offers[0].item_id


def _expected(actor: Actor, filters: dict[str, str]) -> set[str]:
    """The ids of the scenario's offers the actor may see (the cell: all; an officer: its nation's; the
    recipient: none) that match `filters`."""
    return {
        o.offer_id
        for o in SCENARIO.offers
        if (actor is SYSTEM or (actor.nation_id is not None and o.nation_id == actor.nation_id))
        and all(
            (CAPABILITY[o.item_id] if name == "capability" else getattr(o, name)) == value
            for name, value in filters.items()
        )
    }


def test_pages_and_totals_match_the_whole_list_for_every_shape(session: Session) -> None:
    load(session)
    approve_greedy_plan(session)
    choices = {
        "nation_id": ("N003", "N005"),
        "item_id": (ITEM,),
        "capability": ("medical",),
        "status": ("committed", "withdrawn"),
    }
    # The same shapes run for different actors and values one after the other, so a statement made
    # once per shape must not keep an earlier call's nation or filter values.
    for actor in (SYSTEM, nation_officer("N003"), nation_officer("N005"), RECIPIENT):
        for names in itertools.chain.from_iterable(
            itertools.combinations(choices, n) for n in range(len(choices) + 1)
        ):
            for values in itertools.product(*(choices[name] for name in names)):
                filters = dict(zip(names, values, strict=True))
                whole = offers.list_offers(session, actor=actor, limit=1000, **filters)
                expected = _expected(actor, filters)
                assert {o.offer_id for o in whole.items} == expected, (actor.user_id, filters)
                assert whole.total == len(expected)
        for sort in ("-value_eur", "quantity"):
            whole = offers.list_offers(session, actor=actor, sort=sort, limit=1000)
            for offset in {0, 7, max(whole.total - 3, 0), whole.total, whole.total + 5}:
                page = offers.list_offers(session, actor=actor, sort=sort, limit=7, offset=offset)
                assert page.items == whole.items[offset : offset + 7]
                assert page.total == whole.total


def test_a_listed_offer_is_the_offer_get_shows(session: Session) -> None:
    load(session)
    approve_greedy_plan(session)
    listed = offers.list_offers(session, actor=SYSTEM, limit=1000).items
    assert any(o.allocated for o in listed)
    assert any(o.value_computed for o in listed)
    for view in listed:
        assert offers.get(session, actor=SYSTEM, offer_id=view.offer_id) == view
    officer = nation_officer("N003")
    for view in offers.list_offers(session, actor=officer, limit=1000).items:
        assert offers.get(session, actor=officer, offer_id=view.offer_id) == view
