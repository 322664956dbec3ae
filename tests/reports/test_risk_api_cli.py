"""Dependency and Monte Carlo reliability through the API and the CLI."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine
from typer.testing import CliRunner

from aidcoord.access.actor import SYSTEM
from aidcoord.api.deps import get_actor
from aidcoord.cli.main import app as cli
from aidcoord.dataset import service as dataset
from aidcoord.db import session_scope
from aidcoord.plans import service as plans
from aidcoord.reports import risk
from aidcoord.scenario.generate import generate
from aidcoord.shipments import service as shipments
from tests.api.helpers import V1, problem
from tests.jobs.helpers import job_of
from tests.offers.factory import nation_officer


@pytest.fixture
def planned(api: TestClient, migrated_engine: Engine) -> TestClient:
    """Scenario S planned by the optimiser and approved."""
    with session_scope(migrated_engine) as session:
        dataset.load_scenario(session, actor=SYSTEM, scenario=generate("S", 1))
        version = plans.create_plan(session, actor=SYSTEM).version
        plans.approve_plan(session, actor=SYSTEM, version=version, reason="board")
    return api


def test_dependency_of_the_plan_and_of_supply(planned: TestClient) -> None:
    body = planned.get(f"{V1}/reports/dependency").json()
    assert body["plan_version"] == 1
    assert body["measure"] == "value_eur"
    overall = body["overall"]
    shares = [d["share"] for d in overall["donors"]]
    assert sum(shares) == pytest.approx(1.0)
    assert overall["top_share"] == pytest.approx(max(shares))
    assert overall["hhi"] == pytest.approx(10_000 * sum(s * s for s in shares))
    assert overall["n_donors"] == len(shares)
    assert {g["key"] for g in body["by_priority"]} <= {1, 2, 3, 4, 5}
    supply = planned.get(f"{V1}/reports/dependency", params={"basis": "supply"}).json()
    assert supply["plan_version"] is None
    assert supply["basis"] == "supply"
    book = load_workbook(
        io.BytesIO(planned.get(f"{V1}/reports/dependency", params={"format": "xlsx"}).content)
    )
    assert book.sheetnames == ["by capability", "by priority", "single-nation requirements"]
    assert book["by capability"]["A2"].value == "all"
    problem(planned.get(f"{V1}/reports/dependency", params={"basis": "hope"}), 422)


def _report(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    """The reliability report of a job started with `body`."""
    job = job_of(client, client.post(f"{V1}/reports/reliability", json=body))
    assert job["status"] == "succeeded", job
    result: dict[str, Any] = job["result"]
    return result


def test_reliability_is_seeded_and_certain_delivery_is_the_plan(planned: TestClient) -> None:
    certain = _report(planned, {"runs": 50, "seed": 3})
    # No shipment has settled, so every nation's record is 1: every run is the plan.
    assert set(certain["probabilities"].values()) == {1.0}
    assert certain["fulfilment"]["minimum"] == pytest.approx(certain["planned_fulfilment"])
    assert certain["fulfilment"]["maximum"] == pytest.approx(certain["planned_fulfilment"])
    assert certain["flagged"] == []
    shaky = {"runs": 200, "seed": 3, "probabilities": {"N003": 0.5}, "default_delay_pmf": [0.7, 0.3]}
    first = _report(planned, shaky)
    again = _report(planned, shaky)
    assert first == again
    assert first["fulfilment"]["mean"] < certain["planned_fulfilment"]
    assert first["probabilities"]["N003"] == 0.5
    assert first["flagged"], "a coin-flip donor puts some requirements at risk"
    assert all(f["p_as_planned"] < 0.8 for f in first["flagged"])
    problem(planned.post(f"{V1}/reports/reliability", json={"runs": 0}), 422)
    # The tables are the job's file: a format on the POST still answers the job.
    job = job_of(planned, planned.post(f"{V1}/reports/reliability", params={"format": "csv"}, json=shaky))
    assert job["result"] == first
    csv = planned.get(job["links"]["result"], params={"format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert lines[0] == "figure,planned,mean,p5,p50,p95"
    assert float(lines[1].split(",")[2]) == pytest.approx(first["fulfilment"]["mean"], abs=1e-6)
    book = load_workbook(io.BytesIO(planned.get(job["links"]["result"]).content))
    assert book.sheetnames[0] == "reliability summary"


def test_a_record_of_losses_lowers_a_nations_probability(
    planned: TestClient, migrated_engine: Engine
) -> None:
    with session_scope(migrated_engine) as session:
        shipments.create_from_approved_plan(session, actor=SYSTEM)
        page = shipments.list_shipments(session, actor=SYSTEM, nation_id="N003", limit=1000)
        lost, kept = page.items[0], page.items[1]
        for s, last in ((lost, "lost"), (kept, "delivered")):
            for kind in ("dispatched", "at_hub", "left_hub", last):
                shipments.record_event(session, actor=SYSTEM, shipment_id=s.shipment_id, kind=kind)
        shipments.record_event(
            session,
            actor=SYSTEM,
            shipment_id=kept.shipment_id,
            kind="received",
            quantity=kept.quantity,
            signatory="x",
        )
        record = risk.delivery_record(session, actor=SYSTEM)
    assert record["N003"] == pytest.approx(kept.quantity / (kept.quantity + lost.quantity))
    assert record["N005"] == 1.0


def test_only_those_who_see_everything_may_ask(planned: TestClient) -> None:
    planned.app.dependency_overrides[get_actor] = lambda: nation_officer("N003")  # type: ignore[attr-defined]
    try:
        problem(planned.get(f"{V1}/reports/dependency"), 403)
        problem(planned.post(f"{V1}/reports/reliability", json={}), 403)
    finally:
        planned.app.dependency_overrides.clear()  # type: ignore[attr-defined]


def test_the_cli_reports(planned: TestClient, migrated_engine: Engine, tmp_path: Path) -> None:
    env = {
        "AIDCOORD_DATABASE_URL": migrated_engine.url.render_as_string(hide_password=False),
        "COLUMNS": "200",
    }
    runner = CliRunner()
    dep = runner.invoke(cli, ["report", "dependency", "--xlsx", str(tmp_path / "d.xlsx")], env=env)
    assert dep.exit_code == 0, dep.output
    assert "by capability" in dep.output
    assert "HHI" in dep.output
    assert load_workbook(tmp_path / "d.xlsx").sheetnames[0] == "by capability"
    rel = runner.invoke(
        cli,
        ["report", "reliability", "--runs", "100", "--probability", "N003=0.5", "--csv", str(tmp_path)],
        env=env,
    )
    assert rel.exit_code == 0, rel.output
    assert "reliability summary" in rel.output
    assert (tmp_path / "requirements-at-risk.csv").read_text().startswith("requirement,priority")
    bad = runner.invoke(cli, ["report", "reliability", "--probability", "N003"], env=env)
    assert bad.exit_code == 2
