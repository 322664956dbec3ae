"""The jobs routes: a state export as a job, reading jobs and their files, need-to-know; both databases."""

from __future__ import annotations

import hashlib
import io
import tarfile

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.api.helpers import V1, problem, sign_in
from tests.jobs.helpers import job_of

NO_JOB = "00000000-0000-0000-0000-000000000000"


def test_a_state_export_job_hands_over_the_bundle(client: TestClient, migrated_engine: Engine) -> None:
    answer = client.post(f"{V1}/state/exports")
    queued = answer.json()
    assert (queued["kind"], queued["status"], queued["links"]["result"]) == ("state_export", "queued", None)
    done = job_of(client, answer)
    assert done["status"] == "succeeded", done
    assert done["progress"] == 1.0
    assert done["result"]["rows"] > 0
    fetched = client.get(done["links"]["result"])
    assert fetched.status_code == 200
    assert fetched.headers["content-type"] == "application/gzip"
    with tarfile.open(fileobj=io.BytesIO(fetched.content), mode="r:gz") as bundle:
        assert "manifest.json" in bundle.getnames()
        manifest = bundle.extractfile("manifest.json")
        assert manifest is not None
        fingerprint = hashlib.sha256(manifest.read()).hexdigest()
    assert fingerprint == done["result"]["fingerprint"] == fetched.headers["X-Bundle-SHA256"]
    problem(client.get(done["links"]["result"], params={"format": "csv"}), 422)  # a bundle has no tables
    assert [j["job_id"] for j in client.get(f"{V1}/jobs").json()] == [done["job_id"]]

    # Another organisation's officer: the job does not exist for them, and they cannot start one.
    sign_in(client, migrated_engine, "officer", "DEL-N001", "nation_officer")
    missing = problem(client.get(f"{V1}/jobs/{NO_JOB}"), 404, "not_found")
    hidden = problem(client.get(f"{V1}/jobs/{done['job_id']}"), 404, "not_found")
    assert hidden["detail"] == missing["detail"].replace(NO_JOB, done["job_id"])
    problem(client.get(done["links"]["result"]), 404, "not_found")
    assert client.get(f"{V1}/jobs").json() == []
    problem(client.post(f"{V1}/state/exports"), 403, "forbidden")


def test_a_plan_job_that_cannot_plan_fails_with_the_problem(api: TestClient) -> None:
    # No scenario is loaded: planning fails as the request would have, and the job says why.
    done = job_of(api, api.post(f"{V1}/plans", json={"method": "greedy"}))
    assert done["status"] == "failed"
    assert done["error"]["status"] in (404, 409, 422)
    assert done["error"]["detail"]
    assert done["result"] is None
    problem(api.get(f"{done['links']['self']}/result"), 404, "not_found")
