"""The shipment state machine as the issue states it: every state × event, allowed or refused (pure)."""

from __future__ import annotations

import pytest

from aidcoord.shipments.models import EVENT_KINDS, SHIPMENT_STATUSES
from aidcoord.shipments.service import EVENTS_BY_ROLE, SHIPMENT
from aidcoord.statemachine import InvalidTransition

# state -> {event: next state}; anything not listed is refused.
EXPECTED = {
    "planned": {"dispatched": "dispatched"},
    "dispatched": {"at_hub": "at_hub", "delayed": "dispatched", "lost": "lost"},
    "at_hub": {"left_hub": "left_hub", "delayed": "at_hub", "damaged": "at_hub", "lost": "lost"},
    "left_hub": {"delivered": "delivered", "delayed": "left_hub", "damaged": "left_hub", "lost": "lost"},
    "delivered": {"received": "received", "damaged": "delivered", "lost": "lost"},
    "received": {"damaged": "received"},
    "lost": {},
}


def test_states_match_the_table_in_the_database() -> None:
    assert set(SHIPMENT.states) == set(SHIPMENT_STATUSES)
    assert {kind for moves in SHIPMENT.transitions.values() for kind in moves} == set(EVENT_KINDS)


@pytest.mark.parametrize("state", SHIPMENT_STATUSES)
def test_every_event_from_every_state(state: str) -> None:
    for kind in EVENT_KINDS:
        if kind in EXPECTED[state]:
            assert SHIPMENT.next_state("SHP-1-1", state, kind) == EXPECTED[state][kind]
        else:
            with pytest.raises(InvalidTransition) as raised:
                SHIPMENT.next_state("SHP-1-1", state, kind)
            assert raised.value.status == 409
            assert f"shipment SHP-1-1 is {state}: cannot {kind}" in raised.value.message
            assert raised.value.allowed == tuple(sorted(EXPECTED[state]))


def test_rights_by_role() -> None:
    assert EVENTS_BY_ROLE["coordinator"] == frozenset(EVENT_KINDS)
    assert EVENTS_BY_ROLE["hub_operator"] == {"at_hub", "left_hub"}
    assert EVENTS_BY_ROLE["recipient_officer"] == {"received"}
    assert EVENTS_BY_ROLE["nation_officer"] == {"dispatched", "delayed"}
