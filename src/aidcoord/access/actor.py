"""Who is acting: every service takes an `actor` so that visibility and rights can be enforced there."""

from __future__ import annotations

from dataclasses import dataclass

from aidcoord.errors import Forbidden

ROLES = ("coordinator", "nation_officer", "hub_operator", "recipient_officer", "auditor", "viewer")


@dataclass(frozen=True, slots=True)
class Actor:
    """A user acting for an organisation with some roles, in one request (or command).

    The organisation's kind, nation (delegations and the recipient) and hub (hub operators) decide what
    the actor may see; `request_id` ties the audit records of one request together.
    """

    user_id: str
    organisation_id: str
    roles: frozenset[str]
    nation_id: str | None = None
    hub_site_id: str | None = None
    organisation_kind: str | None = None
    request_id: str | None = None

    def has(self, role: str) -> bool:
        """Whether the actor holds `role`."""
        return role in self.roles


SYSTEM = Actor(
    user_id="system",
    organisation_id="CELL",
    roles=frozenset({"coordinator"}),
    organisation_kind="coordination_cell",
)
"""The operator at the command line, acting as the coordination cell until users exist."""


@dataclass(frozen=True, slots=True)
class Scope:
    """What an actor may see beyond the shared picture (reference data, requirements, totals).

    `everything`: every offer, allocation and shipment. `nation_id`: that nation's offers, the
    allocations made from them and their shipments. `hub_site_id`: the allocations and shipments
    through that hub. `recipient`: every plan's allocations and every shipment (all go to it).
    """

    everything: bool = False
    nation_id: str | None = None
    hub_site_id: str | None = None
    recipient: bool = False

    @property
    def all_allocations(self) -> bool:
        """Whether every allocation and shipment is visible."""
        return self.everything or self.recipient


_KIND_SCOPE_ROLE = {
    "coordination_cell": "coordinator",
    "auditor": "auditor",
    "nation_delegation": "nation_officer",
    "hub_operator": "hub_operator",
    "recipient": "recipient_officer",
}


def scope_of(actor: Actor) -> Scope:
    """The actor's scope: by role, and for a viewer by what its organisation's officers see (read-only)."""
    roles = set(actor.roles)
    if "viewer" in roles and actor.organisation_kind in _KIND_SCOPE_ROLE:
        roles.add(_KIND_SCOPE_ROLE[actor.organisation_kind])
    if roles & {"coordinator", "auditor"}:
        return Scope(everything=True)
    return Scope(
        nation_id=actor.nation_id if "nation_officer" in roles else None,
        hub_site_id=actor.hub_site_id if "hub_operator" in roles else None,
        recipient="recipient_officer" in roles,
    )


def require_role(actor: Actor, *roles: str) -> None:
    """Raise Forbidden unless the actor holds one of `roles`."""
    if not any(actor.has(role) for role in roles):
        raise Forbidden(f"{actor.user_id} needs one of the roles {', '.join(roles)} for this")
