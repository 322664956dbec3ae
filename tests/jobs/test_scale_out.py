"""Two servers and two workers on one PostgreSQL database: a plan started on one server ends on the other."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from aidcoord.db import make_engine, session_scope
from aidcoord.plans.models import Plan
from tests.jobs.processes import loaded_postgres, start_worker
from tests.reliability.server import Server, coordinator_token, start_server

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

POLLS = 600
PLANS = 2


@pytest.fixture
def postgres_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated PostgreSQL database holding scenario S."""
    yield from loaded_postgres(request, tmp_path, "S")


def _worker(url: str, log: Path) -> subprocess.Popen[bytes]:
    return start_worker(url, log, stalled_after_s=30)


def test_two_servers_and_two_workers_share_the_jobs(postgres_database: str, tmp_path: Path) -> None:
    engine = make_engine(postgres_database)
    token = coordinator_token(engine)
    auth = {"Authorization": f"Bearer {token}"}
    workers = [_worker(postgres_database, tmp_path / f"worker{i}.log") for i in range(2)]
    servers: list[Server] = []
    try:
        with ThreadPoolExecutor(2) as pool:  # the servers start side by side
            servers = list(
                pool.map(lambda i: start_server(postgres_database, tmp_path / f"server{i}.log"), [0, 1])
            )
        locations = []
        for _ in range(PLANS):
            status, headers, body = servers[0].request("POST", "/api/v1/plans", {"method": "greedy"}, auth)
            assert status == 202, body
            locations.append(headers["location"])
        ended = {}
        for _ in range(POLLS):
            for location in locations:
                status, _, body = servers[1].request("GET", location, headers=auth)
                assert status == 200, body
                if body["status"] in ("succeeded", "failed"):
                    ended[location] = body
            if len(ended) == PLANS:
                break
            time.sleep(0.1)
        assert len(ended) == PLANS, [w.poll() for w in workers]
        assert {b["status"] for b in ended.values()} == {"succeeded"}, ended
        assert sorted(b["result"]["version"] for b in ended.values()) == list(range(1, PLANS + 1))
        status, _, listed = servers[1].request("GET", "/api/v1/plans", headers=auth)
        assert status == 200
        assert len(listed) == PLANS
        with session_scope(engine, write=False) as session:
            assert session.scalar(select(func.count()).select_from(Plan)) == PLANS
    finally:
        for process in [*workers, *(s.process for s in servers)]:
            process.send_signal(signal.SIGTERM)
        for server in servers:
            assert server.process.wait(timeout=60) == 0
        for worker in workers:
            assert worker.wait(timeout=60) == 0
        engine.dispose()
