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


def require_role(actor: Actor, *roles: str) -> None:
    """Raise Forbidden unless the actor holds one of `roles`."""
    if not any(actor.has(role) for role in roles):
        raise Forbidden(f"{actor.user_id} needs one of the roles {', '.join(roles)} for this")
