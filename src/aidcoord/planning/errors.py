"""Errors of the planning core (DomainError subclasses, rendered once by the shell)."""

from __future__ import annotations

from aidcoord.errors import DomainError


class InfeasiblePin(DomainError):
    """A pinned allocation breaks a rule of the model: it cannot be kept as it is."""

    code = "infeasible_pin"
    status = 422
