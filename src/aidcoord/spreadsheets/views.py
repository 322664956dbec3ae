"""HTTP routes of the spreadsheets: formatted XLSX exports and the Kiel-style offers import."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response

from aidcoord.api.deps import ActorDep, SessionDep
from aidcoord.api.problems import ProblemDetails
from aidcoord.api.routing import api_router
from aidcoord.errors import DomainError
from aidcoord.export import MEDIA_TYPES
from aidcoord.jobs.views import ACCEPTED, submit_with_upload
from aidcoord.offers.schemas import ValuationMethod
from aidcoord.spreadsheets import exports, kiel_import
from aidcoord.spreadsheets.schemas import KielImportOut
from aidcoord.spreadsheets.workbook import Sheet, workbook_bytes

router = api_router(tags=["spreadsheets"])

XLSX = MEDIA_TYPES["xlsx"]
ACCEPTED_UPLOADS = frozenset({XLSX, "application/octet-stream"})


class XlsxResponse(Response):
    """An XLSX workbook."""

    media_type = XLSX


class UnsupportedMediaType(DomainError):
    """The request's body is not of a media type the route takes."""

    code = "unsupported_media_type"
    status = 415


def _problem(description: str) -> dict[str, Any]:
    return {"model": ProblemDetails, "description": description, "content": {"application/problem+json": {}}}


FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
        "description": "The workbook: title and sources, a bold frozen header with a filter, number formats.",
    }
}
IMPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": KielImportOut, "description": "Dry run: the mapping report."},
    **ACCEPTED,
    413: _problem("The file is larger than the import takes."),
    415: _problem("The body is not an XLSX workbook's bytes."),
}
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The XLSX file's bytes (not a multipart form).",
        "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
    }
}


def _workbook(sheets: list[Sheet], name: str) -> XlsxResponse:
    return XlsxResponse(
        workbook_bytes(sheets),
        headers={"Content-Disposition": f'attachment; filename="aidcoord-{name}.xlsx"'},
    )


@router.get(
    "/spreadsheets/requirements",
    response_class=XlsxResponse,
    responses=FILE_RESPONSES,
    summary="The requirements list as a formatted XLSX",
)
def requirements_xlsx(
    session: SessionDep,
    actor: ActorDep,
    capability: Annotated[str | None, Query(description="Only this capability.", max_length=64)] = None,
    priority: Annotated[int | None, Query(ge=1, description="Only this priority class.")] = None,
    status: Annotated[str | None, Query(description="open or cancelled.", max_length=16)] = None,
) -> XlsxResponse:
    """Every requirement (everyone's to see), with the approved plan's allocated units."""
    sheets = exports.requirements_sheets(
        session, actor=actor, capability=capability, priority=priority, status=status
    )
    return _workbook(sheets, "requirements")


@router.get(
    "/spreadsheets/offers",
    response_class=XlsxResponse,
    responses=FILE_RESPONSES,
    summary="The offers the caller may see as a formatted XLSX",
)
def offers_xlsx(
    session: SessionDep,
    actor: ActorDep,
    nation_id: Annotated[str | None, Query(description="Only this nation's offers.", max_length=16)] = None,
    capability: Annotated[str | None, Query(description="Only this capability.", max_length=64)] = None,
    status: Annotated[
        str | None, Query(description="announced, committed or withdrawn.", max_length=16)
    ] = None,
) -> XlsxResponse:
    """The offers of the caller's scope (a delegation: its own), with value, provenance and allocation."""
    sheets = exports.offers_sheets(
        session, actor=actor, nation_id=nation_id, capability=capability, status=status
    )
    return _workbook(sheets, "offers")


@router.get(
    "/spreadsheets/plan",
    response_class=XlsxResponse,
    responses=FILE_RESPONSES,
    summary="A plan's allocations and unmet requirements as a formatted XLSX",
)
def plan_xlsx(
    session: SessionDep,
    actor: ActorDep,
    version: Annotated[
        int | None, Query(ge=1, description="Default: the approved plan, else the latest.")
    ] = None,
) -> XlsxResponse:
    """The allocations the caller may see and every unmet requirement with its reason; 404 without a plan."""
    return _workbook(exports.plan_sheets(session, actor=actor, version=version), "plan")


@router.get(
    "/spreadsheets/pipeline",
    response_class=XlsxResponse,
    responses=FILE_RESPONSES,
    summary="The pipeline from announced to received as a formatted XLSX",
)
def pipeline_xlsx(session: SessionDep, actor: ActorDep) -> XlsxResponse:
    """EUR per stage per nation (totals, everyone's) and units and EUR per offer the caller may see."""
    return _workbook(exports.pipeline_sheets(session, actor=actor), "pipeline")


async def xlsx_body(request: Request) -> bytes:
    """The request's body as XLSX bytes: 415 for another media type, 413 past the import's size limit.

    Read in chunks and refused as soon as it grows past the limit, so a large upload is never held whole.
    """
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in ACCEPTED_UPLOADS:
        raise UnsupportedMediaType(
            f"send the XLSX file's bytes with Content-Type {XLSX} (got {media_type or 'none'!r})"
        )
    limit = kiel_import.MAX_FILE_BYTES
    declared = request.headers.get("content-length", "")
    too_large = kiel_import.PayloadTooLarge(f"the file is larger than the import takes ({limit:,} bytes)")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/offer-imports/kiel",
    response_model=KielImportOut,
    summary="Import offers from a Kiel-tracker-style XLSX (a job; coordinators, officers for their nation)",
    responses=IMPORT_RESPONSES,
    openapi_extra=UPLOAD_BODY,
)
def import_kiel(
    session: SessionDep,
    actor: ActorDep,
    body: Annotated[bytes, Depends(xlsx_body)],
    dry_run: Annotated[bool, Query(description="Only report what would be imported (at once).")] = False,
    strict: Annotated[bool, Query(description="Import nothing if any row is not recognised.")] = False,
    valuation_method: Annotated[ValuationMethod, Query(description="For every imported offer.")] = "market",
    filename: Annotated[
        str | None, Query(description="The file's name, cited in each offer's source.", max_length=200)
    ] = None,
) -> Response | KielImportOut:
    """Map every row to an offer or say why not; create the recognised ones all or nothing.

    A dry run answers 200 with the mapping report. An import answers 202 with a job (`Location`) whose
    `result` is the mapping report once it has succeeded; with `strict`, a row not recognised fails the
    job (its error names each row and column). 422 at once naming file, row and column for a file that
    is not a readable XLSX or lacks a required column or data rows; 403 for roles that may not announce
    offers.
    """
    if dry_run:
        report = kiel_import.import_kiel(
            session,
            actor=actor,
            data=body,
            file_name=filename,
            dry_run=True,
            strict=strict,
            valuation_method=valuation_method,
        )
        return KielImportOut.of(report)
    kiel_import.read_rows(body, filename)  # refuse an unreadable file now rather than in the job
    params = {"file_name": filename, "strict": strict, "valuation_method": valuation_method}
    return submit_with_upload(session, actor, "offers_import", params, body)
