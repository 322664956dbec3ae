"""`aidcoord report dependency|reliability`: how concentrated the plan is, and how reliable."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from aidcoord.access.actor import SYSTEM
from aidcoord.cli.common import console, errors_shown, progress_bar, session_boundary
from aidcoord.errors import Problem, ValidationFailed
from aidcoord.export import ReportTable, to_csv, to_xlsx
from aidcoord.reports import risk


def _print(tables: list[ReportTable], limit: int = 15) -> None:
    for t in tables:
        table = Table(
            title=t.title if len(t.rows) <= limit else f"{t.title} (first {limit} of {len(t.rows)})"
        )
        for column in t.columns:
            table.add_column(column)
        for row in t.rows[:limit]:
            table.add_row(
                *("" if v is None else f"{v:,.4g}" if isinstance(v, float) else str(v) for v in row)
            )
        console.print(table)
    if tables and tables[0].sources:
        console.print(f"Source: {tables[0].sources[0]}", highlight=False, markup=False)


def _export(tables: list[ReportTable], csv_dir: Path | None, xlsx: Path | None) -> None:
    if csv_dir is not None:
        csv_dir.mkdir(parents=True, exist_ok=True)
        for t in tables:
            (csv_dir / f"{'-'.join(t.title.split())}.csv").write_text(to_csv(t), encoding="utf-8")
        console.print(f"CSV written to {csv_dir}")
    if xlsx is not None:
        xlsx.write_bytes(to_xlsx(tables))
        console.print(f"XLSX written to {xlsx}")


def dependency(
    basis: str = typer.Option(
        "plan", "--basis", help="plan (the baseline plan) or supply (committed offers)."
    ),
    csv_dir: Path | None = typer.Option(None, "--csv", help="Write the tables as CSV files here."),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Write the tables as an XLSX workbook."),
) -> None:
    """Top donor's share, HHI, number of donors and single-nation requirements per capability and priority."""
    with session_boundary(write=False) as session:
        tables = risk.dependency_tables(risk.dependency_report(session, actor=SYSTEM, basis=basis))
    _print(tables)
    _export(tables, csv_dir, xlsx)


def _overrides(values: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for text in values:
        nation, _, p = text.partition("=")
        try:
            out[nation] = float(p)
        except ValueError:
            raise ValidationFailed(
                f"--probability {text!r}",
                [Problem("expected NATION=P with P in [0, 1]", column="--probability")],
            ) from None
    return out


def reliability(
    runs: int = typer.Option(1000, "--runs", help="Random runs."),
    seed: int = typer.Option(0, "--seed", help="Seed: the same seed gives the same answer."),
    threshold: float = typer.Option(0.8, "--threshold", help="Flag requirements below this probability."),
    probability: list[str] = typer.Option([], "--probability", help="NATION=P overrides its record."),
    workers: int = typer.Option(1, "--workers", help="Processes to spread the runs over."),
    csv_dir: Path | None = typer.Option(None, "--csv", help="Write the tables as CSV files here."),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Write the tables as an XLSX workbook."),
) -> None:
    """Monte Carlo of the baseline plan: the spread of fulfilment and the requirements at risk."""
    with errors_shown():
        overrides = _overrides(probability)
    with session_boundary(write=False) as session, progress_bar("Monte Carlo") as progress:
        rel = risk.reliability(
            session,
            actor=SYSTEM,
            runs=runs,
            seed=seed,
            threshold=threshold,
            probabilities=overrides,
            workers=workers,
            progress=progress,
        )
    tables = risk.reliability_tables(rel)
    _print(tables)
    _export(tables, csv_dir, xlsx)
