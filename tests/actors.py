"""Actors of every role, as the services see them, for tests that act as someone other than the cell."""

from __future__ import annotations

from aidcoord.access.actor import Actor

RECIPIENT = Actor("rec-1", "REC-RCP", frozenset({"recipient_officer"}), organisation_kind="recipient")
AUDITOR = Actor("aud-1", "AUDIT", frozenset({"auditor"}), organisation_kind="auditor")
VIEWER = Actor("vera", "AUDIT", frozenset({"viewer"}), organisation_kind="auditor")


def nation_officer(nation: str) -> Actor:
    """An officer of `nation`'s delegation."""
    return Actor(
        f"del-{nation.lower()}",
        f"DEL-{nation}",
        frozenset({"nation_officer"}),
        nation_id=nation,
        organisation_kind="nation_delegation",
    )


def hub_operator(hub: str) -> Actor:
    """An operator of `hub`."""
    return Actor(
        f"ops-{hub.lower()}",
        f"OPS-{hub}",
        frozenset({"hub_operator"}),
        hub_site_id=hub,
        organisation_kind="hub_operator",
    )
