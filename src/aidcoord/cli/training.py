"""`aidcoord training`: courses, training needs, training plans, the training report and a what-if."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from aidcoord.access.actor import SYSTEM
from aidcoord.cli.common import console, errors_shown, progress_bar, session_boundary
from aidcoord.cli.report import pct, print_training_report
from aidcoord.errors import ValidationFailed
from aidcoord.export import ReportTable, to_csv, to_xlsx
from aidcoord.planning.training import TrainingComparison
from aidcoord.training import service as training

app = typer.Typer(
    help="Training coordination: courses nations offer, the recipient's training needs, training plans.",
    no_args_is_help=True,
)
courses_app = typer.Typer(help="Courses nations offer (list; add).", invoke_without_command=True)
needs_app = typer.Typer(help="The recipient's training needs (list; add).", invoke_without_command=True)
app.add_typer(courses_app, name="courses")
app.add_typer(needs_app, name="needs")


def _export(tables: list[ReportTable], csv_dir: Path | None, xlsx: Path | None) -> None:
    """Write the tables as CSV files into a folder and/or one XLSX workbook, and say so."""
    if csv_dir is not None:
        csv_dir.mkdir(parents=True, exist_ok=True)
        for t in tables:
            (csv_dir / f"{'-'.join(t.title.lower().split())}.csv").write_text(to_csv(t), encoding="utf-8")
        console.print(f"CSV written to {csv_dir}", highlight=False)
    if xlsx is not None:
        xlsx.write_bytes(to_xlsx(tables))
        console.print(f"XLSX written to {xlsx}", highlight=False)


@app.command()
def plan(
    baseline: str | None = typer.Option(
        None, "--baseline", help="'greedy': store the greedy baseline's plan."
    ),
    time_limit: float = typer.Option(60.0, "--time-limit", help="Seconds the solver may take."),
    top: int = typer.Option(10, "--top", help="How many needs to list."),
) -> None:
    """Allocate trainees to courses for the current state and store the next training plan version."""
    with errors_shown():
        if baseline not in (None, "greedy"):
            raise ValidationFailed(f"unknown baseline {baseline!r}: the only baseline is greedy", [])
    method = "greedy" if baseline == "greedy" else "optimiser"
    with session_boundary() as session, progress_bar("planning training") as progress:
        summary = training.create_training_plan(
            session, actor=SYSTEM, method=method, time_limit_s=time_limit, progress=progress
        )
    console.print(f"stored training plan version {summary.version} ({summary.method})")
    show(version=summary.version, top=top, csv_dir=None, xlsx=None)


@app.command()
def show(
    version: int | None = typer.Argument(None, help="Training plan version (default: the latest)."),
    top: int = typer.Option(10, "--top", help="How many needs to list."),
    csv_dir: Path | None = typer.Option(None, "--csv", help="Write the report's tables as CSV files here."),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Write the report's tables as one XLSX workbook."),
) -> None:
    """Fill per specialty and nation, seats offered and used, unmet needs and why, trainees at risk, and
    capabilities whose equipment arrives without crews."""
    with session_boundary(write=False) as session:
        report = training.training_report(session, actor=SYSTEM, version=version)
    print_training_report(console, report, top=top)
    _export(training.report_tables(report), csv_dir, xlsx)


@app.command("list")
def list_plans() -> None:
    """List stored training plans, newest first."""
    with session_boundary(write=False) as session:
        summaries = training.list_training_plans(session, actor=SYSTEM)
    table = Table(title="Training plans")
    for column in (
        "version",
        "method",
        "created",
        "by",
        "weighted fulfilment",
        "on-time fill",
        "unmet needs",
    ):
        table.add_column(column)
    for s in summaries:
        table.add_row(
            str(s.version),
            s.method,
            f"{s.created_at:%Y-%m-%d %H:%M}",
            s.created_by,
            pct(s.figures.weighted_fulfilment),
            pct(s.figures.on_time_fill),
            str(s.unmet),
        )
    console.print(table)


@courses_app.callback()
def courses(
    ctx: typer.Context,
    nation: str | None = typer.Option(None, "--nation", help="Only this nation's courses."),
    specialty: str | None = typer.Option(None, "--specialty", help="Only courses of this specialty."),
) -> None:
    """List courses."""
    if ctx.invoked_subcommand is not None:
        return
    with session_boundary(write=False) as session:
        page = training.list_course_page(
            session, actor=SYSTEM, nation_id=nation, specialty=specialty, limit=1000
        )
    table = Table(title=f"Courses ({page.total})")
    for column in ("course", "nation", "specialty", "seats", "start", "weeks", "finish", "site"):
        table.add_column(column)
    for c in page.items:
        table.add_row(
            c.course_id,
            c.nation_id,
            c.specialty,
            str(c.seats),
            str(c.start_week),
            str(c.duration_weeks),
            str(c.finish_week),
            c.site_id,
        )
    console.print(table)


@courses_app.command("add")
def add_course(
    nation: str = typer.Option(..., "--nation", help="The offering nation."),
    specialty: str = typer.Option(..., "--specialty"),
    seats: int = typer.Option(..., "--seats"),
    start: int = typer.Option(..., "--start", help="Start week."),
    weeks: int = typer.Option(..., "--weeks", help="Duration in weeks."),
    site: str = typer.Option(..., "--site", help="Where the course runs."),
    course_id: str | None = typer.Option(None, "--id", help="Course id (default: CRS-xxxxxxxx)."),
) -> None:
    """Offer a course."""
    with session_boundary() as session:
        view = training.create_course(
            session,
            actor=SYSTEM,
            course_id=course_id,
            nation_id=nation,
            specialty=specialty,
            seats=seats,
            start_week=start,
            duration_weeks=weeks,
            site_id=site,
        )
    console.print(f"course {view.course_id} added: {view.seats} seats, finishes week {view.finish_week}")


@needs_app.callback()
def needs(
    ctx: typer.Context,
    specialty: str | None = typer.Option(None, "--specialty", help="Only needs of this specialty."),
) -> None:
    """List training needs."""
    if ctx.invoked_subcommand is not None:
        return
    with session_boundary(write=False) as session:
        page = training.list_need_page(session, actor=SYSTEM, specialty=specialty, limit=1000)
    table = Table(title=f"Training needs ({page.total})")
    for column in ("need", "specialty", "trainees", "priority", "weight", "due"):
        table.add_column(column)
    for n in page.items:
        table.add_row(
            n.need_id, n.specialty, str(n.trainees), str(n.priority), f"{n.weight:g}", str(n.due_week)
        )
    console.print(table)


@needs_app.command("add")
def add_need(
    specialty: str = typer.Option(..., "--specialty"),
    trainees: int = typer.Option(..., "--trainees"),
    priority: int = typer.Option(..., "--priority", help="1 is the most urgent class."),
    weight: float = typer.Option(..., "--weight", help="Value of one trainee trained on time."),
    due: int = typer.Option(..., "--due", help="Due week."),
    need_id: str | None = typer.Option(None, "--id", help="Need id (default: TRN-xxxxxxxx)."),
) -> None:
    """Add a training need."""
    with session_boundary() as session:
        need = training.create_need(
            session,
            actor=SYSTEM,
            need_id=need_id,
            specialty=specialty,
            trainees=trainees,
            priority=priority,
            weight=weight,
            due_week=due,
        )
    console.print(
        f"training need {need.need_id} added: {need.trainees} × {need.specialty} by week {need.due_week}"
    )


def print_training_comparison(comparison: TrainingComparison) -> None:
    """A training what-if: fulfilment before and after, trainees per specialty, needs newly short."""
    b, a = comparison.before, comparison.after
    console.print(
        f"[bold]{', '.join(comparison.withdrawn)} withdraw their courses[/]: weighted fulfilment "
        f"{pct(b.weighted_fulfilment)} → {pct(a.weighted_fulfilment)}, on-time fill "
        f"{pct(b.on_time_fill)} → {pct(a.on_time_fill)}"
    )
    table = Table(title="Trainees on time by specialty")
    for column in ("specialty", "needed", "before", "after"):
        table.add_column(column, justify="left" if column == "specialty" else "right")
    for s in comparison.by_specialty:
        table.add_row(s.specialty, f"{s.trainees:,}", f"{s.on_time_before:,}", f"{s.on_time_after:,}")
    console.print(table)
    for n in comparison.newly_short:
        closers = ", ".join(
            f"{c.course_id} ({c.nation_id}, {c.seats_free} free, week {c.finish_week})" for c in n.closers[:5]
        )
        console.print(
            f"- {n.need_id} ({n.specialty}): {n.on_time_before} → {n.on_time_after} of {n.trainees} on time"
            + (f"; could be closed by {closers}" if closers else "; no other course has free seats"),
            highlight=False,
        )


@app.command()
def whatif(
    withdraw: list[str] = typer.Option(
        ..., "--withdraw", help="A nation that withdraws its courses (repeatable)."
    ),
    csv_dir: Path | None = typer.Option(None, "--csv", help="Write the tables as CSV files here."),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Write the tables as one XLSX workbook."),
) -> None:
    """Re-plan training without these nations' courses and compare with the current state."""
    with session_boundary(write=False) as session:
        comparison = training.training_whatif(session, actor=SYSTEM, withdraw_nations=withdraw)
    print_training_comparison(comparison)
    _export(training.comparison_tables(comparison), csv_dir, xlsx)
