"""Domain errors: one type hierarchy, rendered once (problem+json in the API, an exit code in the CLI)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class DomainError(Exception):
    """An error a user can act on: a message, a stable code, an HTTP status and a CLI exit code."""

    code: str = "domain_error"
    status: int = 400
    exit_code: int = 2

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with some input, and where: file, row (line number, header = 1) and column."""

    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                self.file,
                f"row {self.row}" if self.row is not None else None,
                f"column {self.column}" if self.column is not None else None,
            )
            if part
        )
        return f"{where}: {self.message}" if where else self.message


class ValidationFailed(DomainError):
    """Input broke one or more rules; every problem is listed and nothing was written."""

    code = "validation_failed"
    status = 422

    def __init__(self, message: str, problems: Sequence[Problem]) -> None:
        super().__init__(message)
        self.problems: tuple[Problem, ...] = tuple(problems)


class NotFound(DomainError):
    """The entity does not exist, or the actor may not see it."""

    code = "not_found"
    status = 404


class Conflict(DomainError):
    """The request conflicts with the current state (an invalid transition, a non-empty database, …)."""

    code = "conflict"
    status = 409


class PreconditionFailed(DomainError):
    """The request's If-Match names a version of the entity that is no longer current."""

    code = "precondition_failed"
    status = 412


class Forbidden(DomainError):
    """The actor may see the entity but not change it."""

    code = "forbidden"
    status = 403


class Unauthorized(DomainError):
    """No valid credentials: missing, unknown, expired or revoked token, or a wrong password."""

    code = "unauthorized"
    status = 401


def refuse_invalid(what: str, problems: Sequence[Problem]) -> None:
    """Raise ValidationFailed naming `what` and every problem, if there are any."""
    if problems:
        raise ValidationFailed(f"{what} is invalid: {'; '.join(str(p) for p in problems)}", problems)
