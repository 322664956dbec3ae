"""What-ifs through the API and the CLI: run, export, save, list, run saved; refusals."""

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
from aidcoord.scenario.generate import generate
from tests.api.helpers import V1, problem
from tests.jobs.helpers import job_of
from tests.offers.factory import nation_officer

TOP = "N003"  # the generated S scenario's largest donor by offers


@pytest.fixture
def planned(api: TestClient, migrated_engine: Engine) -> TestClient:
    """Scenario S planned by the optimiser (the baseline)."""
    with session_scope(migrated_engine) as session:
        dataset.load_scenario(session, actor=SYSTEM, scenario=generate("S", 1))
        plans.create_plan(session, actor=SYSTEM)
    return api


def _succeeded(client: TestClient, answer: Any) -> dict[str, Any]:
    """The succeeded job a 202 answer started."""
    job = job_of(client, answer)
    assert job["status"] == "succeeded", job
    return job


def _compared(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    """The comparison of a what-if job started with `body`."""
    result: dict[str, Any] = _succeeded(client, client.post(f"{V1}/whatif", json=body))["result"]
    return result


def _failed(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    """The problem of a what-if job started with `body`, which fails."""
    job = job_of(client, client.post(f"{V1}/whatif", json=body))
    assert job["status"] == "failed", job
    error: dict[str, Any] = job["error"]
    return error


def test_withdrawing_the_largest_donor_through_the_api(planned: TestClient) -> None:
    body = {
        "changes": [
            {"kind": "withdraw", "nation_id": TOP, "from_week": 4},
            {"kind": "hub_cut", "hub_site_id": "HUB-01", "share": 0.3, "from_week": 4},
        ]
    }
    job = _succeeded(planned, planned.post(f"{V1}/whatif", params={"format": "xlsx"}, json=body))
    c = job["result"]
    assert c["baseline_version"] == 1
    assert c["freeze_week"] == 4
    assert c["changes"] == [f"{TOP} withdraws from week 4", "HUB-01 loses 30% of its throughput from week 4"]
    assert c["fulfilment_after"] < c["fulfilment_before"]
    assert c["newly_unmet"], "withdrawing the largest donor leaves something unmet"
    assert all(k["nation_id"] != TOP for n in c["newly_unmet"] for k in n["closers"])
    assert {g["group"] for g in c["by_priority"]} <= {"P1", "P2", "P3", "P4", "P5"}

    # The tables are the job's file, rendered when fetched (a format on the POST changes nothing).
    result = job["links"]["result"]
    assert result == f"{V1}/jobs/{job['job_id']}/result"
    for book in (planned.get(result), planned.get(result, params={"format": "xlsx"})):
        assert book.headers["content-type"].startswith("application/vnd.openxmlformats")
        sheets = load_workbook(io.BytesIO(book.content))
        assert sheets.sheetnames == ["what-if summary", "by capability", "by priority", "newly unmet"]
        assert sheets["what-if summary"]["C3"].value == pytest.approx(c["fulfilment_after"], abs=1e-6)
    csv = planned.get(result, params={"format": "csv", "table": "newly-unmet"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("requirement,item,priority")
    # One line per closer: every newly unmet requirement, and only those.
    assert {line.split(",")[0] for line in csv.text.splitlines()[1:]} == {
        n["requirement_id"] for n in c["newly_unmet"]
    }
    assert planned.get(result, params={"format": "csv"}).text.splitlines()[0] == "measure,baseline,what-if"
    problem(planned.get(result, params={"format": "csv", "table": "nope"}), 422)
    problem(planned.get(result, params={"format": "pdf"}), 422)


def test_refusals(planned: TestClient) -> None:
    bad = _failed(planned, {"changes": [{"kind": "withdraw", "nation_id": "ZZZ"}]})
    assert bad["status"] == 422
    assert "nation 'ZZZ' has no planned offers" in bad["detail"]
    problem(planned.post(f"{V1}/whatif", json={"changes": []}), 422)
    problem(
        planned.post(f"{V1}/whatif", json={"changes": [{"kind": "cut", "nation_id": TOP, "share": 2}]}), 422
    )
    app = planned.app
    app.dependency_overrides[get_actor] = lambda: nation_officer(TOP)  # type: ignore[attr-defined]
    try:
        problem(planned.post(f"{V1}/whatif", json={"changes": [{"kind": "delay", "weeks": 2}]}), 403)
    finally:
        app.dependency_overrides.clear()  # type: ignore[attr-defined]


def test_no_plan_yet_is_a_404(api: TestClient, migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        dataset.load_scenario(session, actor=SYSTEM, scenario=generate("S", 1))
    body = _failed(api, {"changes": [{"kind": "delay", "weeks": 2}]})
    assert body["status"] == 404
    assert "aidcoord plan" in body["detail"]


def test_saved_whatifs(planned: TestClient) -> None:
    changes = [{"kind": "withdraw", "nation_id": TOP}, {"kind": "include_announced"}]
    made = planned.post(f"{V1}/whatif/scenarios", json={"name": "top donor stops", "changes": changes})
    assert made.status_code == 201, made.text
    assert made.json()["changes"] == [{"kind": "withdraw", "nation_id": TOP, "from_week": 0}, changes[1]]
    problem(planned.post(f"{V1}/whatif/scenarios", json={"name": "top donor stops", "changes": changes}), 409)
    problem(planned.post(f"{V1}/whatif/scenarios", json={"name": "!!", "changes": changes}), 422)
    assert [s["name"] for s in planned.get(f"{V1}/whatif/scenarios").json()] == ["top donor stops"]
    ran = _succeeded(planned, planned.post(f"{V1}/whatif/scenarios/top donor stops/run"))
    assert ran["kind"] == "whatif"
    assert ran["result"]["changes"] == [f"{TOP} withdraws", "announced offers are planned too"]
    book = load_workbook(io.BytesIO(planned.get(ran["links"]["result"]).content))
    assert book["what-if summary"]["C2"].value == f"{TOP} withdraws; announced offers are planned too"
    problem(planned.post(f"{V1}/whatif/scenarios/nothing/run"), 404)
    problem(planned.get(f"{V1}/whatif/scenarios/nothing"), 404)


def test_the_cli_prints_the_comparison_and_saves(
    planned: TestClient, migrated_engine: Engine, tmp_path: Path
) -> None:
    env = {
        "AIDCOORD_DATABASE_URL": migrated_engine.url.render_as_string(hide_password=False),
        "COLUMNS": "200",
    }
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "whatif",
            "--withdraw",
            TOP,
            "--from",
            "4",
            "--hub-cut",
            "HUB-01=30%",
            "--save",
            "stress",
            "--xlsx",
            str(tmp_path / "w.xlsx"),
            "--csv",
            str(tmp_path / "csv"),
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    for words in ("Baseline and what-if", "weighted fulfilment", "By capability", "Newly unmet", "week 4"):
        assert words in result.output
    assert (tmp_path / "w.xlsx").stat().st_size > 0
    assert (tmp_path / "csv" / "newly-unmet.csv").read_text().startswith("requirement,")
    listed = runner.invoke(cli, ["whatif", "list"], env=env)
    assert "stress" in listed.output
    assert runner.invoke(cli, ["whatif", "run", "stress"], env=env).exit_code == 0
    bad = runner.invoke(cli, ["whatif", "--cut", f"{TOP}:30"], env=env)
    assert bad.exit_code == 2
    assert "expected KEY=VALUE" in bad.output


def test_withdrawing_courses_compares_training_too(planned: TestClient, migrated_engine: Engine) -> None:
    body = {"changes": [{"kind": "withdraw_courses", "nation_id": "N005"}, {"kind": "delay", "weeks": 1}]}
    job = _succeeded(planned, planned.post(f"{V1}/whatif", json=body))
    c = job["result"]
    assert c["changes"] == ["offers of every nation delayed by 1 week"]
    trained = c["training"]
    assert trained["withdrawn"] == ["N005"]
    assert trained["after"]["weighted_fulfilment"] <= trained["before"]["weighted_fulfilment"]
    crews = next(s for s in trained["by_specialty"] if s["specialty"] == "artillery-crew")
    assert crews["on_time_after"] < crews["on_time_before"]
    book = load_workbook(io.BytesIO(planned.get(job["links"]["result"], params={"format": "xlsx"}).content))
    assert len(book.sheetnames) == 6
    assert _compared(planned, {"changes": body["changes"][1:]})["training"] is None
    env = {
        "AIDCOORD_DATABASE_URL": migrated_engine.url.render_as_string(hide_password=False),
        "COLUMNS": "200",
    }
    result = CliRunner().invoke(cli, ["whatif", "--withdraw-courses", "N005"], env=env)
    assert result.exit_code == 0, result.output
    assert "N005 withdraw their courses" in result.output
