"""HTTP routes of the reference domain: stored releases and a Kiel release's per-country totals.

Importing is an operator's action (`aidcoord import kiel`), so there is no route that writes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from aidcoord.api.deps import ActorDep, SessionDep
from aidcoord.api.exports import FILE_RESPONSES, FormatQuery, file_response
from aidcoord.api.routing import api_router
from aidcoord.reference import service
from aidcoord.reference.schemas import KielCountriesOut, KielCountryOut, ReleaseOut

router = api_router(tags=["reference series"])


@router.get("/reference/releases", response_model=list[ReleaseOut], summary="List imported releases")
def list_releases(session: SessionDep, actor: ActorDep) -> list[ReleaseOut]:
    """Every stored release of a public source, newest publication first."""
    return [ReleaseOut.model_validate(r) for r in service.list_releases(session, actor=actor)]


@router.get(
    "/reference/kiel/countries",
    response_model=KielCountriesOut,
    summary="Per-country totals of a Kiel release",
    responses=FILE_RESPONSES,
)
def kiel_countries(
    session: SessionDep,
    actor: ActorDep,
    release: Annotated[
        str | None, Query(description="A release id (default: the latest).", max_length=64)
    ] = None,
    format: FormatQuery = "json",
) -> KielCountriesOut | Response:
    """Each donor's aid over the release by category (EUR bn), its GDP and the tracker's % of GDP.

    404 when no release (or not the one named) is imported.
    """
    totals = service.kiel_totals(session, actor=actor, release_id=release)
    if format != "json":
        table = service.kiel_countries_table(totals)
        return file_response([table], format, None, f"kiel-countries-{totals.release.release_id}")
    return KielCountriesOut(
        release=ReleaseOut.model_validate(totals.release),
        countries=[KielCountryOut.model_validate(c) for c in totals.countries],
        sources=list(service.kiel_sources(totals.release)),
    )
