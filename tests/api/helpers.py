"""What the HTTP tests share: the API prefix and reading problem+json answers."""

from __future__ import annotations

from typing import Any

PROBLEM = "application/problem+json"
V1 = "/api/v1"


def problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The problem+json body of a refused request, after checking status, media type (and code)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code
    return body


def columns(body: dict[str, Any]) -> list[str | None]:
    """The fields a 422 problem names."""
    return [p["column"] for p in body["problems"]]


def sign_in(
    client: Any, engine: Any, user_id: str = "coord", organisation_id: str = "CELL", role: str = "coordinator"
) -> str:
    """Add a user of `role` for `organisation_id` with an API token, and make `client` send it."""
    from aidcoord.access import service as access
    from aidcoord.access.actor import SYSTEM
    from aidcoord.db import session_scope

    with session_scope(engine) as session:
        access.add_user(session, actor=SYSTEM, user_id=user_id, organisation_id=organisation_id, roles=[role])
        token: str = access.create_token(session, actor=SYSTEM, user_id=user_id).secret
    client.headers["Authorization"] = f"Bearer {token}"
    return token
