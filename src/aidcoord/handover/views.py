"""HTTP routes of the handover domain: the state digest and the state bundle (import is the CLI's).

Importing needs an empty database, which has no users to sign in with: it is `aidcoord state import`.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response

from aidcoord.api.deps import ActorDep, get_engine
from aidcoord.api.problems import PROBLEM_RESPONSES
from aidcoord.api.routing import api_router
from aidcoord.handover import bundle
from aidcoord.handover import service as handover
from aidcoord.handover.schemas import StateDigestOut, TableDigestOut

router = api_router(prefix="/state", tags=["handover"])

BUNDLE_MEDIA_TYPE = "application/gzip"

FORBIDDEN: dict[int | str, dict[str, Any]] = {
    403: {**PROBLEM_RESPONSES[403], "description": "Only coordinators and auditors read the whole state."}
}


@router.get(
    "/digest",
    response_model=StateDigestOut,
    summary="The state digest (coordinators, auditors)",
    responses=FORBIDDEN,
)
def get_digest(request: Request, actor: ActorDep) -> StateDigestOut:
    """The digest of the whole state and of each table, to compare two databases after a handover."""
    result = handover.state_digest(get_engine(request), actor=actor)
    return StateDigestOut(
        state_digest=result.digest,
        tables=[TableDigestOut(name=t.name, rows=t.rows, digest=t.digest) for t in result.tables],
        left_out=sorted(bundle.EXCLUDED_TABLES),
    )


@router.get(
    "/export",
    summary="Export the whole state as a bundle (coordinators, auditors)",
    response_class=Response,
    responses={
        200: {
            "content": {BUNDLE_MEDIA_TYPE: {}},
            "description": "The bundle (tar.gz); its fingerprint is in the X-Bundle-SHA256 header.",
        },
        **FORBIDDEN,
    },
)
def export_bundle(request: Request, actor: ActorDep) -> Response:
    """Every table, the scenario package and the audit chain with a manifest, as `aidcoord state export`."""
    exported = handover.export_state(get_engine(request), actor=actor)
    stamp = exported.manifest.exported_at.replace(":", "").replace("-", "")[:15]
    return Response(
        exported.content,
        media_type=BUNDLE_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="aidcoord-state-{stamp}.tar.gz"',
            "X-Bundle-SHA256": exported.fingerprint,
        },
    )
