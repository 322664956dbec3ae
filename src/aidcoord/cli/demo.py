"""`aidcoord demo`: a fresh SQLite database with the embedded NSATU scenario, and its report."""

from __future__ import annotations

import secrets
from pathlib import Path

import typer
import uvicorn
from rich.table import Table
from sqlalchemy.orm import Session

from aidcoord.access import service as access
from aidcoord.access.actor import SYSTEM
from aidcoord.cli.common import console, errors_shown, progress_bar
from aidcoord.cli.report import print_plan_detail, print_summary, print_training_report
from aidcoord.dataset import service as dataset
from aidcoord.db import make_engine, session_scope
from aidcoord.db.migrate import upgrade
from aidcoord.plans import service as plans
from aidcoord.requirements import service as requirements
from aidcoord.scenario import embedded
from aidcoord.scenario.io import read_package
from aidcoord.training import service as training

DEMO_USERS = (
    # user, organisation, role
    ("coordinator", "CELL", "coordinator"),
    ("auditor", "AUDIT", "auditor"),
    ("usa-officer", "DEL-USA", "nation_officer"),
    ("deu-viewer", "DEL-DEU", "viewer"),
    ("rze-operator", "OPS-HUB-RZE", "hub_operator"),
    ("ukr-officer", "REC-UKR", "recipient_officer"),
)
"""One user per role: the largest donor's officer, another delegation's viewer, Rzeszów's operator."""


def _demo_users(session: Session) -> list[tuple[str, str, str, str]]:
    """Add the demo's users with fresh random passwords; (user, organisation, role, password)."""
    made = []
    for user_id, organisation_id, role in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        access.add_user(
            session,
            actor=SYSTEM,
            user_id=user_id,
            organisation_id=organisation_id,
            roles=[role],
            password=password,
        )
        made.append((user_id, organisation_id, role, password))
    return made


def demo(
    db: Path = typer.Option(Path("aidcoord-demo.db"), "--db", help="SQLite file to (re)create."),
    no_serve: bool = typer.Option(False, "--no-serve", help="Print the report and exit."),
    port: int = typer.Option(8000, "--port", help="Port to serve on (127.0.0.1)."),
) -> None:
    """Create a fresh SQLite database, load and plan `nsatu`, add one user per role, report, and serve."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{db}")
    try:
        with errors_shown():
            upgrade(engine)
            scenario = read_package(embedded.embedded_path("nsatu"))
            with session_scope(engine) as session, progress_bar("loading nsatu") as progress:
                dataset.load_scenario(session, actor=SYSTEM, scenario=scenario, progress=progress)
            with session_scope(engine) as session, progress_bar("planning nsatu") as progress:
                plans.create_plan(session, actor=SYSTEM, progress=progress)
            with session_scope(engine) as session, progress_bar("planning training") as progress:
                training.create_training_plan(session, actor=SYSTEM, progress=progress)
            with session_scope(engine) as session:
                users = _demo_users(session)
            with session_scope(engine) as session:
                summary = dataset.summary(session, actor=SYSTEM)
                detail = plans.get_plan(session, actor=SYSTEM)
                reqs = requirements.list_all(session, actor=SYSTEM)
                training_report = training.training_report(session, actor=SYSTEM)
    finally:
        engine.dispose()
    print_summary(console, summary)
    console.print()
    print_plan_detail(console, detail, reqs, top=5)
    console.print()
    print_training_report(console, training_report, top=5)
    console.print(f"\nDatabase: {db} (use it with AIDCOORD_DATABASE_URL=sqlite:///{db})")
    logins = Table(title="Demo users (passwords are new on every run)")
    for column in ("user", "organisation", "role", "password"):
        logins.add_column(column)
    for row in users:
        logins.add_row(*row)
    console.print(logins)
    console.print(
        "Sign in with POST /api/v1/auth/login {user_id, password}, or make an API token: "
        f"AIDCOORD_DATABASE_URL=sqlite:///{db} aidcoord tokens create coordinator",
        highlight=False,
    )
    if not no_serve:
        console.print(
            f"Dashboard: http://127.0.0.1:{port}/ (sign in with a demo user above)", highlight=False
        )
        console.print(f"API: http://127.0.0.1:{port}/api/v1, docs: /docs; Ctrl-C stops.", highlight=False)
        from aidcoord.api.app import create_app  # the web stack only when serving (a second of start)

        uvicorn.run(create_app(f"sqlite:///{db}"), host="127.0.0.1", port=port, log_level="warning")
