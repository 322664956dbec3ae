"""API shapes of the spreadsheets: the mapping report of a Kiel-style offers import."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from aidcoord.spreadsheets.kiel_import import KielImport, Outcome, RowOutcome


class RowProblemOut(BaseModel):
    """Why a row was not recognised: the column as the sheet names it, the value found, the reason."""

    column: str | None
    value: str | None
    message: str


class RowOutcomeOut(BaseModel):
    """One row of the sheet (numbered as the spreadsheet shows it) and what became of it."""

    row: int
    outcome: Outcome = Field(
        description="created; would_create (dry run); exists (imported before: offer_id names it); "
        "not_recognised (problems say why)."
    )
    offer_id: str | None = None
    nation_id: str | None = None
    item_id: str | None = None
    status: str | None = Field(default=None, description="announced (Commitment) or committed (Allocation).")
    quantity: int | None = None
    available_week: int | None = None
    origin_site_id: str | None = None
    value_eur: float | None = Field(
        default=None, description="null: computed from the catalogue's unit value."
    )
    announced_on: dt.date | None = None
    problems: list[RowProblemOut] = Field(default_factory=list)

    @classmethod
    def of(cls, outcome: RowOutcome) -> RowOutcomeOut:
        """The API shape of a row's outcome."""
        offer = outcome.offer
        return cls(
            row=outcome.row,
            outcome=outcome.outcome,
            offer_id=offer.offer_id if offer else None,
            nation_id=offer.nation_id if offer else None,
            item_id=offer.item_id if offer else None,
            status=offer.status if offer else None,
            quantity=offer.quantity if offer else None,
            available_week=offer.available_week if offer else None,
            origin_site_id=offer.origin_site_id if offer else None,
            value_eur=offer.value_eur if offer else None,
            announced_on=offer.announced_on if offer else None,
            problems=[
                RowProblemOut(column=p.column, value=p.value, message=p.message) for p in outcome.problems
            ],
        )


class KielImportOut(BaseModel):
    """The mapping report: how the sheet was read, how many rows became what, and every row."""

    file: str
    sheet: str
    sha256: str = Field(description="SHA-256 of the file, as recorded in the audit trail.")
    header_row: int
    columns: dict[str, str] = Field(description="Field (donor, date, measure, …) → the header that held it.")
    ignored_columns: list[str]
    dry_run: bool
    strict: bool
    valuation_method: str
    created: int
    would_create: int
    exists: int
    not_recognised: int
    offer_ids: list[str] = Field(description="The offers created by this import.")
    rows: list[RowOutcomeOut]

    @classmethod
    def of(cls, report: KielImport) -> KielImportOut:
        """The API shape of a mapping report."""
        return cls(
            file=report.file,
            sheet=report.sheet,
            sha256=report.sha256,
            header_row=report.header_row,
            columns=report.columns,
            ignored_columns=list(report.ignored_columns),
            dry_run=report.dry_run,
            strict=report.strict,
            valuation_method=report.valuation_method,
            created=report.count("created"),
            would_create=report.count("would_create"),
            exists=report.count("exists"),
            not_recognised=report.count("not_recognised"),
            offer_ids=list(report.created),
            rows=[RowOutcomeOut.of(r) for r in report.rows],
        )
