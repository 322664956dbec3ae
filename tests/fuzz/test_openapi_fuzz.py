"""Schemathesis over the whole OpenAPI document, in-process, on SQLite and on PostgreSQL.

Every operation is called with generated requests (valid ones and, from each valid one, requests that
break exactly one rule of the document) as a signed-in coordinator, and every operation again as a
nation officer (the need-to-know paths). All of schemathesis's default checks run on every answer: no
5xx, the status code, content type, headers and body are the documented ones (problem+json for every
refusal), a request that breaks the document is refused, one that keeps it is not refused by request
validation, authentication is not ignored, unsupported methods answer 405 with `Allow`.

One tuning, documented in docs/ARCHITECTURE.md: a request that keeps the document may still break a
domain rule the document cannot state (an unknown site, an item as its own substitute); that is a 422
from the service. `request_validation_accepts_documented_input` then makes sure it never comes from
request validation itself, which would mean the document promises something the code refuses.

The database holds the generated scenario S, planned, approved and shipped; it is built once per
backend and the fuzzer's changes accumulate in it. Runs are derandomised (stable in CI) and bounded:
`AIDCOORD_FUZZ_EXAMPLES` examples an operation (default 3), one for the long-running ones, and the
schemathesis phases in `AIDCOORD_FUZZ_PHASES` (default `examples,fuzzing`; `all` adds the coverage
phase's thousands of deterministic boundary cases, some 80 s a backend, for a deeper run by hand).
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

import pytest
import schemathesis
from hypothesis import settings
from schemathesis.config import SchemathesisConfig
from sqlalchemy import Engine

from aidcoord.access import service as access
from aidcoord.access.actor import SYSTEM
from aidcoord.api.app import create_app
from aidcoord.dataset import service as dataset
from aidcoord.db import make_engine, session_scope
from aidcoord.db.migrate import upgrade
from aidcoord.plans import service as plans
from aidcoord.scenario.generate import generate
from aidcoord.shipments import service as shipments
from tests.conftest import BACKENDS, fresh_database_url

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

EXAMPLES = int(os.environ.get("AIDCOORD_FUZZ_EXAMPLES", "3"))
PHASES = os.environ.get("AIDCOORD_FUZZ_PHASES", "examples,fuzzing")
LONG_RUNNING = (
    r"^/api/v1/(plans|training-plans|whatif|whatif/scenarios/\{name\}/run|training/whatif"
    r"|reports/reliability|state/export)$"
)
"""Planning, re-planning, Monte Carlo and the whole-database export: one example each."""
REVOKING = ("/api/v1/auth/logout", "/api/v1/auth/tokens/{credential_id}")
"""Operations that may revoke the credential they are called with: each call gets a fresh token."""
OFFICER_NATION = "N003"


class UnderTest:
    """The ASGI app schemathesis calls: it forwards to the current backend's app and signs requests."""

    def __init__(self) -> None:
        self.app: Any = create_app("sqlite://")  # serves the OpenAPI document; never opens its database
        self.engine: Engine | None = None
        self.tokens: dict[str, str] = {}

    def token(self, user: str, path: str) -> str:
        """The user's API token; a fresh one for an operation that may revoke it."""
        if path in REVOKING:
            assert self.engine is not None
            with session_scope(self.engine) as session:
                return access.create_token(session, actor=SYSTEM, user_id=user).secret
        return self.tokens[user]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call: lifespan here (the apps hold nothing to start), the rest forwarded."""
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await self.app(scope, receive, send)


UNDER_TEST = UnderTest()
# Spreadsheet uploads are raw bytes: generated ones are sent as they are.
schemathesis.serializer.alias(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/octet-stream"
)
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 20260601,
        "phases": {
            phase: {"enabled": PHASES == "all" or phase in PHASES.split(",")}
            for phase in ("examples", "coverage", "fuzzing")
        },
        "checks": {
            # 422 is a domain rule the document cannot state; see the module's docstring.
            "positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "409", "422"]}
        },
    }
)
schema = schemathesis.openapi.from_asgi("/openapi.json", UNDER_TEST, config=CONFIG)
UNDER_TEST.app.state.engine.dispose()


@schemathesis.check
def request_validation_accepts_documented_input(ctx: Any, response: Any, case: Any) -> bool | None:
    """A request the document allows is never refused by request validation (400, 415 or its 422)."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code not in (400, 415, 422):
        return None
    detail = str(response.json().get("detail", ""))
    refused = f"request validation refused a request the document allows: {response.status_code} {detail}"
    assert response.status_code == 422, refused
    assert not detail.startswith("the request is invalid"), refused
    return True


@schema.auth()
class SetByTheTest:
    """Marks requests as authenticated (so none is generated); the test puts the real token in."""

    def get(self, case: Any, ctx: Any) -> str:
        """A placeholder: cases are also built before any database exists."""
        return "signed-in-by-the-test"

    def set(self, case: Any, data: str, ctx: Any) -> None:
        """Put the placeholder where the token goes."""
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Scenario S planned, approved and shipped on a fresh database; a coordinator and an officer."""
    for url in fresh_database_url(request, request.param, tmp_path_factory.mktemp("fuzz")):
        engine = make_engine(url)
        upgrade(engine)
        with session_scope(engine) as session:
            dataset.load_scenario(session, actor=SYSTEM, scenario=generate("S", 1))
            version = plans.create_plan(session, actor=SYSTEM, method="greedy").version
            plans.approve_plan(session, actor=SYSTEM, version=version, reason="board")
            shipments.create_from_approved_plan(session, actor=SYSTEM)
            for user, organisation, role in (
                ("coord", "CELL", "coordinator"),
                ("officer", f"DEL-{OFFICER_NATION}", "nation_officer"),
            ):
                access.add_user(
                    session, actor=SYSTEM, user_id=user, organisation_id=organisation, roles=[role]
                )
                UNDER_TEST.tokens[user] = access.create_token(session, actor=SYSTEM, user_id=user).secret
        UNDER_TEST.engine = engine
        UNDER_TEST.app = create_app(url)
        try:
            yield request.param
        finally:
            UNDER_TEST.app.state.engine.dispose()
            engine.dispose()


def _call_as(user: str, case: Any) -> None:
    case.headers = {
        **(case.headers or {}),
        "Authorization": f"Bearer {UNDER_TEST.token(user, case.operation.path)}",
    }
    case.call_and_validate()


@pytest.mark.slow
@schema.exclude(path_regex=LONG_RUNNING).parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None)
def test_every_operation_as_a_coordinator(case: Any, backend: str) -> None:
    _call_as("coord", case)


@pytest.mark.slow
@schema.include(path_regex=LONG_RUNNING).parametrize()
@settings(max_examples=1, deadline=None, derandomize=True, database=None)
def test_long_running_operations_as_a_coordinator(case: Any, backend: str) -> None:
    _call_as("coord", case)


@pytest.mark.slow
@schema.exclude(path_regex=LONG_RUNNING).parametrize()
@settings(max_examples=1, deadline=None, derandomize=True, database=None)
def test_every_operation_as_a_nation_officer(case: Any, backend: str) -> None:
    _call_as("officer", case)
