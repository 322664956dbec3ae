"""The state-machine table: allowed moves, and a 409 naming the state and what is allowed."""

from __future__ import annotations

import pytest

from aidcoord.statemachine import InvalidTransition, StateMachine

OFFER = StateMachine(
    "offer",
    {"announced": {"commit": "committed", "withdraw": "withdrawn"}, "committed": {"withdraw": "withdrawn"}},
)


def test_allowed_moves() -> None:
    assert OFFER.next_state("O-1", "announced", "commit") == "committed"
    assert OFFER.allowed("announced") == ("commit", "withdraw")
    assert OFFER.states == ("announced", "committed", "withdrawn")


def test_refused_move_names_state_and_allowed_actions() -> None:
    with pytest.raises(InvalidTransition) as raised:
        OFFER.next_state("O-1", "committed", "commit")
    assert raised.value.status == 409
    assert "offer O-1 is committed" in raised.value.message
    assert "allowed from committed: withdraw" in raised.value.message
    with pytest.raises(InvalidTransition, match="it is final"):
        OFFER.next_state("O-1", "withdrawn", "withdraw")
