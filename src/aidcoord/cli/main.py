"""The `aidcoord` command line."""

from __future__ import annotations

import typer

from aidcoord import __version__
from aidcoord.cli import audit, db, offers, plan, requirements, risk, scenario, shipments, users, whatif
from aidcoord.cli import spreadsheets as spreadsheets_cli
from aidcoord.cli import state as state_cli
from aidcoord.cli import training as training_cli
from aidcoord.cli.demo import demo
from aidcoord.cli.reference import import_app
from aidcoord.cli.reports import app as reports_app
from aidcoord.cli.serve import serve
from aidcoord.cli.worker import worker

app = typer.Typer(
    name="aidcoord",
    help="Coordinate multinational assistance: requirements, pledges, plans through hubs, tracking.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(scenario.app, name="scenario")
app.add_typer(plan.app, name="plan")
app.add_typer(shipments.app, name="shipments")
app.add_typer(requirements.app, name="requirements")
app.add_typer(offers.app, name="offers")
offers.app.command("import-kiel")(spreadsheets_cli.import_kiel)
app.add_typer(audit.app, name="audit")
app.add_typer(users.users_app, name="users")
app.add_typer(whatif.app, name="whatif")
app.add_typer(training_cli.app, name="training")
app.add_typer(users.tokens_app, name="tokens")
app.add_typer(import_app, name="import")
app.add_typer(spreadsheets_cli.export_app, name="export")
app.add_typer(state_cli.app, name="state")
reports_app.command("dependency")(risk.dependency)
reports_app.command("reliability")(risk.reliability)
app.add_typer(reports_app, name="report")
app.command()(demo)
app.command()(serve)
app.command()(worker)


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(__version__)
