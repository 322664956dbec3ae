"""The API's error contract (RFC 9457 problem+json) and the nations routes, on both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.helpers import PROBLEM


def test_nation_create_read_and_conflict(api: TestClient) -> None:
    body = {
        "nation_id": "EST",
        "name": "Estonia",
        "gdp_usd_bn": 42.8,
        "defence_pct_gdp": 3.43,
        "nato_member": True,
    }
    created = api.post("/api/v1/nations", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Estonia"
    assert api.get("/api/v1/nations/EST").json()["defence_pct_gdp"] == 3.43
    assert [n["nation_id"] for n in api.get("/api/v1/nations").json()] == ["EST"]

    again = api.post("/api/v1/nations", json=body)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith(PROBLEM)
    assert again.json()["code"] == "conflict"
    assert "EST" in again.json()["detail"]


def test_validation_problem_names_the_field(api: TestClient) -> None:
    response = api.post("/api/v1/nations", json={"nation_id": "X", "name": "X", "defence_pct_gdp": 140})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["status"] == 422
    assert problem["code"] == "validation_failed"
    assert [(p["file"], p["column"]) for p in problem["problems"]] == [("body", "defence_pct_gdp")]


def test_unknown_things_are_404_problems(api: TestClient) -> None:
    missing = api.get("/api/v1/nations/ZZZ")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith(PROBLEM)
    assert "ZZZ" in missing.json()["detail"]
    nowhere = api.get("/api/v1/no-such-route")
    assert nowhere.status_code == 404
    assert nowhere.headers["content-type"].startswith(PROBLEM)


def test_openapi_documents_problem_responses(api: TestClient) -> None:
    spec = api.get("/openapi.json").json()
    post = spec["paths"]["/api/v1/nations"]["post"]
    assert {"201", "409", "422"} <= set(post["responses"])
    assert "ProblemDetails" in spec["components"]["schemas"]
