"""`aidcoord worker`: runs the queued jobs; bad options are refused with a clear message."""

from __future__ import annotations

from sqlalchemy import Engine
from typer.testing import CliRunner

from aidcoord.access.actor import SYSTEM
from aidcoord.cli.main import app as cli
from aidcoord.db import session_scope
from aidcoord.jobs import service


def test_the_worker_runs_what_is_queued(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        job_id = service.submit(session, actor=SYSTEM, kind="state_export", params={}).job_id
    env = {"AIDCOORD_DATABASE_URL": migrated_engine.url.render_as_string(hide_password=False)}
    result = CliRunner().invoke(cli, ["worker", "--once"], env=env)
    assert result.exit_code == 0, result.output
    assert "ran 1 job(s)" in result.output
    with session_scope(migrated_engine, write=False) as session:
        done = service.get(session, actor=SYSTEM, job_id=job_id)
    assert done.status == "succeeded", done.error
    assert done.has_file


def test_bad_worker_options_exit_2() -> None:
    result = CliRunner().invoke(cli, ["worker", "--concurrency", "0", "--stalled-after", "0"])
    assert result.exit_code == 2
    assert "--concurrency" in result.output
    assert "--stalled-after" in result.output
