"""State machines written once: each entity's allowed transitions as a table, checked in one place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aidcoord.errors import Conflict


class InvalidTransition(Conflict):
    """An action that the entity's current state does not allow (409); nothing is changed."""

    code = "invalid_transition"

    def __init__(
        self, entity: str, entity_id: str, state: str, action: str, allowed: tuple[str, ...]
    ) -> None:
        allowed_text = ", ".join(allowed) if allowed else "nothing (it is final)"
        super().__init__(
            f"{entity} {entity_id} is {state}: cannot {action}; allowed from {state}: {allowed_text}"
        )
        self.state = state
        self.action = action
        self.allowed = allowed


@dataclass(frozen=True, slots=True)
class StateMachine:
    """`transitions[state][action]` is the state the action leads to; a missing action is not allowed."""

    entity: str
    transitions: Mapping[str, Mapping[str, str]]

    @property
    def states(self) -> tuple[str, ...]:
        """Every state named in the table."""
        found = set(self.transitions)
        for moves in self.transitions.values():
            found.update(moves.values())
        return tuple(sorted(found))

    def allowed(self, state: str) -> tuple[str, ...]:
        """The actions allowed from `state`, sorted."""
        return tuple(sorted(self.transitions.get(state, {})))

    def next_state(self, entity_id: str, state: str, action: str) -> str:
        """The state `action` leads to from `state`; InvalidTransition (409) if it is not allowed."""
        moves = self.transitions.get(state, {})
        if action not in moves:
            raise InvalidTransition(self.entity, entity_id, state, action, self.allowed(state))
        return moves[action]
