"""`aidcoord plan`: plan files or the database, and show, diff, list and approve stored plans."""

from __future__ import annotations

import csv
from pathlib import Path

import typer

from aidcoord.access.actor import SYSTEM
from aidcoord.cli.common import console, errors_shown, progress_bar, session_boundary
from aidcoord.cli.report import print_plan_detail, print_plan_diff, print_plan_list, print_plan_result
from aidcoord.errors import Problem, ValidationFailed
from aidcoord.planning import Allocation, PlanOptions, greedy_plan, plan, problem_from_scenario, write_plan
from aidcoord.planning.output import ALLOCATION_COLUMNS
from aidcoord.plans import service as plans
from aidcoord.requirements import service as requirements
from aidcoord.scenario import embedded
from aidcoord.scenario.io import read_package

app = typer.Typer(
    help="Plan committed offers against requirements through the hubs; show, diff and approve plans.",
    invoke_without_command=True,
)


def read_pins(path: Path) -> list[Allocation]:
    """Read pinned allocations from a CSV in the allocations.csv format; every bad cell is reported."""
    problems: list[Problem] = []
    pins: list[Allocation] = []
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in ALLOCATION_COLUMNS if c not in (reader.fieldnames or [])]
            for column in missing:
                problems.append(Problem("column is missing", path.name, 1, column))
            if not missing:
                for line, row in enumerate(reader, start=2):
                    numbers: dict[str, int] = {}
                    for column in ALLOCATION_COLUMNS[3:]:
                        try:
                            numbers[column] = int(row[column])
                        except (TypeError, ValueError):
                            problems.append(
                                Problem(f"must be an integer, got {row[column]!r}", path.name, line, column)
                            )
                    if len(numbers) == 4:
                        pins.append(
                            Allocation(row["offer_id"], row["requirement_id"], row["hub_site_id"], **numbers)
                        )
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(f"cannot be read: {exc}", str(path)))
    if problems:
        raise ValidationFailed(f"pinned allocations in {path} are invalid", problems)
    return pins


@app.callback()
def plan_command(
    ctx: typer.Context,
    scenario: str | None = typer.Option(
        None, "--scenario", help="Plan this package folder (or embedded name) instead of the database."
    ),
    out: Path | None = typer.Option(None, "--out", help="With --scenario: folder for the plan files."),
    baseline: str | None = typer.Option(
        None, "--baseline", help="With --scenario: also write the 'greedy' baseline to OUT/greedy."
    ),
    method: str = typer.Option("optimiser", "--method", help="optimiser or greedy."),
    time_limit: float = typer.Option(300.0, "--time-limit", help="Seconds the solver may take."),
    include_announced: bool = typer.Option(False, "--include-announced", help="Plan announced offers too."),
    exclude_offer: list[str] = typer.Option([], "--exclude-offer", help="Leave this offer out (repeatable)."),
    exclude_hub: list[str] = typer.Option([], "--exclude-hub", help="Close this hub (repeatable)."),
    pin: Path | None = typer.Option(None, "--pin", help="CSV of allocations to keep as they are."),
    cold: bool = typer.Option(False, "--cold", help="Do not warm-start from the latest plan."),
) -> None:
    """Plan the loaded scenario and store it as the next version; or, with --scenario, plan files."""
    if ctx.invoked_subcommand is not None:
        return
    with errors_shown():
        if method not in plans.METHODS:
            raise ValidationFailed(f"unknown method {method!r}: use optimiser or greedy", [])
        if baseline not in (None, "greedy"):
            raise ValidationFailed(f"unknown baseline {baseline!r}: the only baseline is greedy", [])
        pins = read_pins(pin) if pin is not None else []
        if scenario is not None:
            if out is None:
                raise ValidationFailed("--scenario needs --out, the folder to write the plan into", [])
            package = read_package(embedded.resolve(scenario))
            problem = problem_from_scenario(
                package,
                include_announced=include_announced,
                excluded_offer_ids=exclude_offer,
                excluded_hub_ids=exclude_hub,
            )
            with progress_bar(f"planning {package.name}") as progress:
                if method == "greedy":
                    result = greedy_plan(problem, progress)
                else:
                    result = plan(problem, PlanOptions(time_limit_s=time_limit, pinned=tuple(pins)), progress)
            write_plan(result, problem, out)
            greedy = None
            if baseline == "greedy":
                greedy = greedy_plan(problem)
                write_plan(greedy, problem, out / "greedy")
            print_plan_result(console, result, greedy)
            console.print(f"wrote {out}")
            return
    with session_boundary() as session, progress_bar("planning") as progress:
        summary = plans.create_plan(
            session,
            actor=SYSTEM,
            method=method,
            time_limit_s=time_limit,
            include_announced=include_announced,
            excluded_offer_ids=exclude_offer,
            excluded_hub_ids=exclude_hub,
            pinned=pins,
            warm=not cold,
            progress=progress,
        )
    console.print(f"stored plan version {summary.version} ({summary.status})")
    show(version=summary.version, top=10)


@app.command()
def show(
    version: int | None = typer.Argument(None, help="Plan version (default: the latest)."),
    top: int = typer.Option(10, "--top", help="How many unmet requirements to list."),
) -> None:
    """Show a plan: figures against greedy, hub utilisation, the top unmet requirements and why."""
    with session_boundary() as session:
        detail = plans.get_plan(session, actor=SYSTEM, version=version)
        reqs = requirements.list_all(session, actor=SYSTEM)
    print_plan_detail(console, detail, reqs, top=top)


@app.command("list")
def list_command() -> None:
    """List stored plans, newest first."""
    with session_boundary() as session:
        summaries = plans.list_plans(session, actor=SYSTEM)
    print_plan_list(console, summaries)


@app.command()
def diff(
    before: int = typer.Argument(..., help="The earlier plan version."),
    after: int = typer.Argument(..., help="The later plan version."),
) -> None:
    """What changes between two plans: figures, allocations added and removed, requirements affected."""
    with session_boundary() as session:
        result = plans.diff_plans(session, actor=SYSTEM, before=before, after=after)
    print_plan_diff(console, result)


@app.command()
def approve(
    version: int = typer.Argument(..., help="The plan version to approve."),
    reason: str = typer.Option(..., "--reason", help="Why this plan is approved (recorded)."),
) -> None:
    """Approve a draft plan; the plan approved before it is superseded."""
    with session_boundary() as session:
        summary = plans.approve_plan(session, actor=SYSTEM, version=version, reason=reason)
    console.print(
        f"plan version {summary.version} approved by {summary.approved_by}: {summary.approval_reason}"
    )
