"""`aidcoord scenario`: validate, load, export, generate and summarise Scenario Data Packages."""

from __future__ import annotations

from pathlib import Path

import typer

from aidcoord.access.actor import SYSTEM
from aidcoord.cli.common import console, errors_shown, progress_bar, session_boundary
from aidcoord.cli.report import print_counts, print_summary
from aidcoord.dataset import service as dataset
from aidcoord.errors import ValidationFailed
from aidcoord.scenario import embedded
from aidcoord.scenario.generate import SIZES
from aidcoord.scenario.generate import generate as generate_scenario
from aidcoord.scenario.io import read_package, validate_package, write_package

app = typer.Typer(help="Scenario Data Packages: validate, load, export, generate.", no_args_is_help=True)

PACKAGE_HELP = "A package folder, or the name of an embedded scenario (nsatu)."


@app.command()
def validate(package: str = typer.Argument(..., help=PACKAGE_HELP)) -> None:
    """Check a package against every rule; list each problem with file, row and column (exit 2)."""
    with errors_shown():
        path = embedded.resolve(package)
        problems = validate_package(path)
        if problems:
            raise ValidationFailed(
                f"{path} is not a valid scenario package: {len(problems)} problems", problems
            )
        scenario = read_package(path)
    console.print(
        f"[green]valid[/]: {scenario.name} — {len(scenario.nations)} nations, {len(scenario.sites)} sites, "
        f"{len(scenario.items)} items, {len(scenario.requirements)} requirements, "
        f"{len(scenario.offers)} offers"
    )


@app.command()
def load(
    package: str = typer.Argument(..., help=PACKAGE_HELP),
    replace: bool = typer.Option(False, "--replace", help="Replace the scenario already loaded."),
) -> None:
    """Load a package into the database in one transaction; an invalid one writes nothing (exit 2)."""
    with errors_shown():
        scenario = read_package(embedded.resolve(package))
    with session_boundary() as session, progress_bar(f"loading {scenario.name}") as progress:
        counts = dataset.load_scenario(
            session, actor=SYSTEM, scenario=scenario, replace=replace, progress=progress
        )
    print_counts(console, counts)


@app.command()
def export(out: Path = typer.Argument(..., help="Folder to write the package into.")) -> None:
    """Write the loaded scenario as a Scenario Data Package."""
    with session_boundary() as session:
        scenario = dataset.export_scenario(session, actor=SYSTEM)
    write_package(scenario, out)
    console.print(f"wrote {scenario.name} to {out}")


@app.command()
def show() -> None:
    """Summarise the loaded scenario: nations, pledges by capability, requirements, hubs."""
    with session_boundary() as session:
        summary = dataset.summary(session, actor=SYSTEM)
    print_summary(console, summary)


@app.command()
def generate(
    size: str = typer.Option("S", "--size", help=f"One of {', '.join(SIZES)}."),
    seed: int = typer.Option(1, "--seed", help="Same seed, same bytes."),
    out: Path = typer.Option(..., "--out", help="Folder to write the package into."),
) -> None:
    """Write a seeded synthetic package for tests and benchmarks."""
    with errors_shown():
        if size not in SIZES:
            raise ValidationFailed(f"unknown size {size!r}", [])
        scenario = generate_scenario(size, seed)
    write_package(scenario, out)
    console.print(
        f"wrote {scenario.name} to {out}: {len(scenario.nations)} nations, {len(scenario.items)} items, "
        f"{len(scenario.requirements)} requirements, {len(scenario.offers)} offers"
    )
