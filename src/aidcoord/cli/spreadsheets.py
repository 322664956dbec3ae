"""`aidcoord export …` (formatted XLSX workbooks) and `aidcoord offers import-kiel` (offers from a sheet)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from aidcoord.access.actor import SYSTEM
from aidcoord.cli.common import console, errors_shown, session_boundary, write_file
from aidcoord.errors import Problem, ValidationFailed
from aidcoord.spreadsheets import exports, kiel_import
from aidcoord.spreadsheets.kiel_import import KielImport
from aidcoord.spreadsheets.schemas import KielImportOut
from aidcoord.spreadsheets.workbook import Sheet, workbook_bytes

export_app = typer.Typer(
    help="Formatted XLSX workbooks: requirements, offers, a plan, the pipeline.", no_args_is_help=True
)


def _write(sheets: list[Sheet], out: Path) -> None:
    with errors_shown():
        write_file(out, workbook_bytes(sheets))
    rows = sum(len(s.rows) for s in sheets)
    console.print(f"wrote {out} ({', '.join(s.name for s in sheets)}; {rows:,} rows)", highlight=False)


OUT_HELP = "The XLSX file to write."
DEFAULT_OUT = {name: Path(f"aidcoord-{name}.xlsx") for name in exports.KINDS}


@export_app.command("requirements")
def export_requirements(
    out: Path = typer.Option(DEFAULT_OUT["requirements"], "--out", "-o", help=OUT_HELP),
    capability: str | None = typer.Option(None, "--capability", help="Only this capability."),
    priority: int | None = typer.Option(None, "--priority", help="Only this priority class."),
    status: str | None = typer.Option(None, "--status", help="open or cancelled."),
) -> None:
    """The recipient's requirements list with the approved plan's allocated units."""
    with session_boundary(write=False) as session:
        sheets = exports.requirements_sheets(
            session, actor=SYSTEM, capability=capability, priority=priority, status=status
        )
    _write(sheets, out)


@export_app.command("offers")
def export_offers(
    out: Path = typer.Option(DEFAULT_OUT["offers"], "--out", "-o", help=OUT_HELP),
    nation: str | None = typer.Option(None, "--nation", help="Only this nation's offers."),
    capability: str | None = typer.Option(None, "--capability", help="Only this capability."),
    status: str | None = typer.Option(None, "--status", help="announced, committed or withdrawn."),
) -> None:
    """Offers with value, valuation, provenance and the approved plan's units."""
    with session_boundary(write=False) as session:
        sheets = exports.offers_sheets(
            session, actor=SYSTEM, nation_id=nation, capability=capability, status=status
        )
    _write(sheets, out)


@export_app.command("plan")
def export_plan(
    out: Path = typer.Option(DEFAULT_OUT["plan"], "--out", "-o", help=OUT_HELP),
    version: int | None = typer.Option(
        None, "--version", help="Default: the approved plan, else the latest."
    ),
) -> None:
    """A plan's allocations and its unmet requirements with their reasons."""
    with session_boundary(write=False) as session:
        sheets = exports.plan_sheets(session, actor=SYSTEM, version=version)
    _write(sheets, out)


@export_app.command("pipeline")
def export_pipeline(out: Path = typer.Option(DEFAULT_OUT["pipeline"], "--out", "-o", help=OUT_HELP)) -> None:
    """EUR per stage per nation, and units and EUR per offer: announced → … → received."""
    with session_boundary(write=False) as session:
        sheets = exports.pipeline_sheets(session, actor=SYSTEM)
    _write(sheets, out)


# --- the import --------------------------------------------------------------------------------------


def _read(path: Path) -> bytes:
    """The file's bytes; ValidationFailed (exit 2) when it is missing, unreadable or too large."""
    try:
        size = path.stat().st_size
        if size > kiel_import.MAX_FILE_BYTES:
            raise kiel_import.PayloadTooLarge(
                f"{path.name} has {size:,} bytes; the import takes at most {kiel_import.MAX_FILE_BYTES:,} "
                "(split the sheet)"
            )
        return path.read_bytes()
    except OSError as error:
        message = f"cannot read {path}: {error.strerror or error}"
        raise ValidationFailed(message, [Problem(message, file=str(path))]) from None


def print_report(report: KielImport) -> None:
    """Print the mapping report: every row's outcome and offer, or why it was not recognised."""
    # Names and values come from the sheet: shown as plain text, never read as rich markup.
    table = Table(title=escape(f"{report.file} — sheet {report.sheet!r}, header in row {report.header_row}"))
    for column in ("row", "outcome", "offer", "nation", "item", "units", "week", "status", "why not"):
        table.add_column(column, justify="right" if column in ("row", "units", "week") else "left")
    for r in report.rows:
        o = r.offer
        why = "; ".join(
            (f"{p.column}" + (f" {p.value!r}" if p.value is not None else "") + f": {p.message}")
            if p.column
            else p.message
            for p in r.problems
        )
        table.add_row(
            str(r.row),
            r.outcome.replace("_", " "),
            o.offer_id if o else "",
            o.nation_id if o else "",
            o.item_id if o else "",
            f"{o.quantity:,}" if o else "",
            str(o.available_week) if o else "",
            o.status if o else "",
            Text(why),
        )
    console.print(table)
    verb = "would be created" if report.dry_run else "created"
    new = report.count("would_create") if report.dry_run else report.count("created")
    console.print(
        f"{len(report.rows)} rows: {new} offers {verb}, {report.count('exists')} imported before, "
        f"{report.count('not_recognised')} not recognised"
        + (" (dry run: nothing written)" if report.dry_run else ""),
        highlight=False,
        markup=False,
    )
    if report.ignored_columns:
        console.print(f"columns ignored: {', '.join(report.ignored_columns)}", highlight=False, markup=False)


def import_kiel(
    file: Path = typer.Argument(
        ..., help="The XLSX file (first sheet: donor, date, measure, item, quantity…)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only report what would be imported."),
    strict: bool = typer.Option(False, "--strict", help="Import nothing if any row is not recognised."),
    valuation_method: str = typer.Option(
        "market", "--valuation-method", help="market, replacement or book, for every offer."
    ),
    report_file: Path | None = typer.Option(None, "--report", help="Also write the mapping report as JSON."),
) -> None:
    """Import offers from a Kiel-tracker-style sheet; recognised rows all or nothing, audited."""
    with errors_shown():
        data = _read(file)
    with session_boundary(write=not dry_run) as session:
        report = kiel_import.import_kiel(
            session,
            actor=SYSTEM,
            data=data,
            file_name=file.name,
            dry_run=dry_run,
            strict=strict,
            valuation_method=valuation_method,
        )
    print_report(report)
    if report_file is not None:
        report_file.write_text(KielImportOut.of(report).model_dump_json(indent=2) + "\n", encoding="utf-8")
        console.print(f"wrote {report_file}", highlight=False)
