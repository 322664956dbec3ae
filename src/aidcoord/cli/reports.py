"""`aidcoord report`: reports over the database, printed with their sources and exported as CSV or XLSX."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from aidcoord.access.actor import SYSTEM
from aidcoord.analysis.burden import MEASURES
from aidcoord.cli.common import console, session_boundary
from aidcoord.export import ReportTable, to_csv, to_xlsx
from aidcoord.reports.burden import BurdenReport, burden_report, burden_table

app = typer.Typer(help="Reports: burden sharing per nation.", no_args_is_help=True)


def _number(value: float | None, scale: float, digits: int) -> str:
    return "" if value is None else f"{value / scale:,.{digits}f}"


def print_burden(report: BurdenReport) -> None:
    """Print burden sharing as a table, the total last and the sources below it."""
    # The tracker counts in EUR bn; the coordination's own figures are smaller, so in EUR m.
    scale, unit = (1e9, "EUR bn") if report.source == "kiel" else (1e6, "EUR m")
    shown = [m for m in MEASURES if report.sharing.totals.measure(m).value_eur is not None]
    table = Table(title=f"{report.title} (values in {unit})")
    table.add_column("nation", no_wrap=True)
    for m in shown:
        table.add_column(m, justify="right")
    table.add_column(f"share of {report.headline} %", justify="right")
    for m in shown:
        table.add_column(f"{m} %GDP", justify="right")
    table.add_column("defence %GDP", justify="right")
    rows = [*report.sharing.rows, report.sharing.totals]
    for row in rows:
        headline = row.measure(report.headline)
        table.add_row(
            f"[bold]{row.name}" if row is report.sharing.totals else f"{row.name} ({row.nation_id})",
            *(_number(row.measure(m).value_eur, scale, 3 if scale == 1e9 else 2) for m in shown),
            _number(headline.share_pct, 1, 2),
            *(_number(row.measure(m).pct_gdp, 1, 3) for m in shown),
            _number(row.defence_pct_gdp, 1, 2),
        )
    console.print(table)
    for source in report.sources:
        console.print(f"Source: {source}", highlight=False, markup=False)


def write_exports(table: ReportTable, csv_file: Path | None, xlsx_file: Path | None) -> None:
    """Write the table as CSV and/or XLSX where asked, and say so."""
    if csv_file is not None:
        csv_file.write_text(to_csv(table), encoding="utf-8", newline="")
        console.print(f"wrote {csv_file}", highlight=False)
    if xlsx_file is not None:
        xlsx_file.write_bytes(to_xlsx([table]))
        console.print(f"wrote {xlsx_file}", highlight=False)


@app.command()
def burden(
    kiel: bool = typer.Option(False, "--kiel", help="From the imported Kiel tracker release, not the plan."),
    release: str | None = typer.Option(None, "--release", help="A Kiel release id (default: the latest)."),
    csv_file: Path | None = typer.Option(None, "--csv", help="Also write the table as CSV."),
    xlsx_file: Path | None = typer.Option(None, "--xlsx", help="Also write the table as XLSX."),
) -> None:
    """Value committed, allocated, shipped and delivered per nation, share, % of GDP and defence %."""
    with session_boundary(write=False) as session:
        report = burden_report(session, actor=SYSTEM, source="kiel" if kiel else "plan", release_id=release)
    print_burden(report)
    write_exports(burden_table(report), csv_file, xlsx_file)
