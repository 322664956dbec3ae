"""Optimistic concurrency over HTTP: the ETag response header and the If-Match request header."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Response

from aidcoord.api.problems import MEDIA_TYPE, TITLES, ProblemDetails
from aidcoord.etags import etag_of

IfMatchHeader = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The ETag the change was based on; a stale one is refused with 412 and nothing changes.",
    ),
]

ETAG_HEADER: dict[str, Any] = {
    "ETag": {
        "description": "The entity's current version: send it back in If-Match to change it safely.",
        "schema": {"type": "string"},
    }
}


def responses(status: int = 200, *, precondition: bool = True) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses of a route answering one entity: its ETag header, and 412 when it takes If-Match."""
    documented: dict[int | str, dict[str, Any]] = {status: {"headers": ETAG_HEADER}}
    if precondition:
        documented[412] = {"model": ProblemDetails, "description": TITLES[412], "content": {MEDIA_TYPE: {}}}
    return documented


def set_etag(response: Response, view: Any) -> None:
    """Put the ETag of the entity's view on the response."""
    response.headers["ETag"] = etag_of(view)
