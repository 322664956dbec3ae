"""Training over HTTP: courses, needs, plans, report (JSON, CSV, XLSX), what-if; 403/404/422 problems."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from aidcoord.access.actor import SYSTEM
from aidcoord.dataset import service as dataset
from aidcoord.db import session_scope
from aidcoord.scenario.generate import generate
from tests.api.helpers import V1, columns, problem, sign_in


def _load(engine: Engine) -> dict[str, Any]:
    scenario = generate("S", 1)
    with session_scope(engine) as session:
        dataset.load_scenario(session, actor=SYSTEM, scenario=scenario, replace=True)
    course = min(scenario.courses, key=lambda c: c.course_id)
    return {"course": course, "need": min(scenario.training_needs, key=lambda n: n.need_id)}


def test_courses_needs_plans_report_and_whatif(api: TestClient, migrated_engine: Engine) -> None:
    known = _load(migrated_engine)
    course = known["course"]
    page = api.get(f"{V1}/courses", params={"limit": 2}).json()
    assert page["total"] == 6
    assert len(page["items"]) == 2
    one = api.get(f"{V1}/courses/{course.course_id}").json()
    assert one["finish_week"] == course.start_week + course.duration_weeks
    body = {
        "course_id": "CRS-API",
        "nation_id": course.nation_id,
        "specialty": "medic",
        "seats": 8,
        "start_week": 1,
        "duration_weeks": 2,
        "site_id": course.site_id,
    }
    created = api.post(f"{V1}/courses", json=body)
    assert created.status_code == 201, created.text
    assert api.patch(f"{V1}/courses/CRS-API", json={"seats": 9}).json()["seats"] == 9
    problem(api.post(f"{V1}/courses", json=body), 409, "conflict")
    bad = problem(api.patch(f"{V1}/courses/CRS-API", json={"start_week": 500}), 422, "validation_failed")
    assert columns(bad) == ["start_week"]
    problem(api.get(f"{V1}/courses/NOPE"), 404, "not_found")
    need = {
        "need_id": "TRN-API",
        "specialty": "medic",
        "trainees": 5,
        "priority": 1,
        "weight": 3,
        "due_week": 4,
    }
    assert api.post(f"{V1}/training-needs", json=need).status_code == 201
    assert api.get(f"{V1}/training-needs/TRN-API").json()["trainees"] == 5
    assert api.get(f"{V1}/training-needs").json()["total"] == 5
    problem(api.get(f"{V1}/training-needs/NOPE"), 404)
    missing = problem(api.post(f"{V1}/training-needs", json={"specialty": "x"}), 422)
    assert "trainees" in columns(missing)

    made = api.post(f"{V1}/training-plans", json={})
    assert made.status_code == 201, made.text
    assert made.json()["version"] == 1
    detail = api.get(f"{V1}/training-plans/latest").json()
    assert ("CRS-API", "TRN-API") in {(a["course_id"], a["need_id"]) for a in detail["assignments"]}
    assert [p["version"] for p in api.get(f"{V1}/training-plans").json()] == [1]
    problem(api.get(f"{V1}/training-plans/7"), 404)
    problem(api.get(f"{V1}/training-plans/x"), 422)
    problem(api.post(f"{V1}/training-plans", json={"method": "dice"}), 422)

    report = api.get(f"{V1}/reports/training").json()
    assert {s["specialty"] for s in report["by_specialty"]} >= {"medic"}
    csv = api.get(f"{V1}/reports/training", params={"format": "csv", "table": "seats-by-offering-nation"})
    assert csv.status_code == 200
    assert csv.text.splitlines()[0] == "nation_id,courses,seats_offered,seats_used,trainees_on_time,seat_use"
    xlsx = api.get(f"{V1}/reports/training", params={"format": "xlsx"})
    assert xlsx.content[:2] == b"PK"

    whatif = api.post(f"{V1}/training/whatif", json={"withdraw_nations": [course.nation_id]})
    assert whatif.status_code == 200, whatif.text
    assert whatif.json()["withdrawn"] == [course.nation_id]
    unknown = problem(api.post(f"{V1}/training/whatif", json={"withdraw_nations": ["ZZZ"]}), 422)
    assert columns(unknown) == ["withdraw_nations"]


def test_rights_403_and_need_to_know(api: TestClient, migrated_engine: Engine) -> None:
    known = _load(migrated_engine)
    course = known["course"]
    assert api.post(f"{V1}/training-plans", json={}).status_code == 201
    other = next(
        n.nation_id for n in generate("S", 1).nations if n.nation_id not in (course.nation_id, "RCP")
    )
    sign_in(api, migrated_engine, "other-officer", f"DEL-{other}", "nation_officer")
    problem(api.patch(f"{V1}/courses/{course.course_id}", json={"seats": 1}), 403, "forbidden")
    problem(api.post(f"{V1}/training-plans", json={}), 403)
    problem(api.post(f"{V1}/training/whatif", json={"withdraw_nations": [course.nation_id]}), 403)
    detail = api.get(f"{V1}/training-plans/1").json()
    nations = {c.course_id: c.nation_id for c in generate("S", 1).courses}
    assert all(nations[a["course_id"]] == other for a in detail["assignments"])
    assert detail["summary"]["assignments"] == len(detail["assignments"])
    assert api.get(f"{V1}/reports/training").status_code == 200
