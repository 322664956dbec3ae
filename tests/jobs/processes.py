"""What the tests with real worker processes share: a loaded PostgreSQL database, and starting a worker."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from aidcoord.access.actor import SYSTEM
from aidcoord.dataset.service import load_scenario
from aidcoord.db import make_engine, session_scope
from aidcoord.db.migrate import upgrade
from aidcoord.scenario.generate import generate
from tests.conftest import fresh_database_url


def loaded_postgres(request: pytest.FixtureRequest, tmp_path: Path, size: str) -> Iterator[str]:
    """The URL of a new, migrated PostgreSQL database holding generated scenario `size` (seed 1)."""
    for url in fresh_database_url(request, "postgresql", tmp_path):
        engine = make_engine(url)
        upgrade(engine)
        with session_scope(engine) as session:
            load_scenario(session, actor=SYSTEM, scenario=generate(size, 1))
        engine.dispose()
        yield url


def start_worker(url: str, log: Path, *, stalled_after_s: int) -> subprocess.Popen[bytes]:
    """An `aidcoord worker` process on `url`, its log appended to `log`."""
    env = {**os.environ, "AIDCOORD_DATABASE_URL": url}
    with log.open("ab") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "aidcoord.cli", "worker", "--stalled-after", str(stalled_after_s)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
