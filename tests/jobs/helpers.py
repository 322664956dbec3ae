"""What tests of routes that answer with a job share: waiting for the job to end."""

from __future__ import annotations

import time
from typing import Any

from aidcoord.jobs import runner

WAIT_ITERATIONS = 3000
PATIENCE = 500


def wait_for_job(client: Any, url: str) -> dict[str, Any]:
    """Poll the job at `url` until it has ended; its body.

    On SQLite the app's own worker thread runs it. On PostgreSQL the servers run no jobs (workers do),
    so this runs the queued jobs here, as an `aidcoord worker` would.
    """
    engine = client.app.state.engine
    for n in range(WAIT_ITERATIONS):
        answer = client.get(url)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        if body["status"] in ("succeeded", "failed"):
            return body
        # An app started without its lifespan (no worker thread) gets its jobs run here too.
        if engine.dialect.name == "postgresql" or (n >= PATIENCE and body["status"] == "queued"):
            runner.run_pending(engine)
        else:
            time.sleep(0.02)
    raise AssertionError(f"the job at {url} did not end: {body}")


def job_of(client: Any, answer: Any) -> dict[str, Any]:
    """The ended job a 202 answer started (after checking the 202 and its Location)."""
    assert answer.status_code == 202, answer.text
    location = answer.headers["Location"]
    assert location == answer.json()["links"]["self"]
    return wait_for_job(client, location)
