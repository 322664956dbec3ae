"""The dashboard's end-to-end fixtures: a planned NSATU database, a live server and Debian's Chromium.

The server runs uvicorn on 127.0.0.1 in a thread; the browser is /usr/bin/chromium (never a downloaded
one). Every page aborts requests to any other host and records them, and collects console errors, so
that a test fails if the dashboard reaches outside the server or logs an error.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn

from aidcoord.access import service as access
from aidcoord.access.actor import SYSTEM
from aidcoord.api.app import create_app
from aidcoord.dataset import service as dataset
from aidcoord.db import make_engine, session_scope
from aidcoord.db.migrate import upgrade
from aidcoord.plans import service as plans
from aidcoord.scenario import embedded
from aidcoord.scenario.io import read_package
from aidcoord.shipments import service as shipments
from aidcoord.training import service as training

CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PASSWORD = "e2e-password-123"
USERS = {
    # role: (user, organisation)
    "coordinator": ("coordinator", "CELL"),
    "auditor": ("auditor", "AUDIT"),
    "nation_officer": ("usa-officer", "DEL-USA"),
    "viewer": ("deu-viewer", "DEL-DEU"),
    "hub_operator": ("rze-operator", "OPS-HUB-RZE"),
    "recipient_officer": ("ukr-officer", "REC-UKR"),
}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT = {"width": 1366, "height": 768}


@dataclass
class Live:
    """The running server's address and its database."""

    base_url: str
    database_url: str


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """NSATU loaded, planned (v1 optimiser approved, shipped; v2 greedy), a training plan, users, uvicorn."""
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'dashboard.db'}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        scenario = read_package(embedded.embedded_path("nsatu"))
        with session_scope(engine) as session:
            dataset.load_scenario(session, actor=SYSTEM, scenario=scenario)
        with session_scope(engine) as session:
            first = plans.create_plan(session, actor=SYSTEM, method="optimiser")
            plans.approve_plan(session, actor=SYSTEM, version=first.version, reason="e2e baseline")
        with session_scope(engine) as session:
            shipments.create_from_approved_plan(session, actor=SYSTEM)
        with session_scope(engine) as session:
            plans.create_plan(session, actor=SYSTEM, method="greedy")
        with session_scope(engine) as session:
            training.create_training_plan(session, actor=SYSTEM, method="optimiser")
        with session_scope(engine) as session:
            for role, (user_id, organisation_id) in USERS.items():
                access.add_user(
                    session,
                    actor=SYSTEM,
                    user_id=user_id,
                    organisation_id=organisation_id,
                    roles=[role],
                    password=PASSWORD,
                )
    finally:
        engine.dispose()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(url)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                pytest.fail("the dashboard server did not start")
            thread.join(0.05)
        yield Live(f"http://127.0.0.1:{port}", url)
    finally:
        server.should_exit = True
        thread.join(10)
        app.state.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, for the whole session (skipped without it, unless CI=true)."""
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is required when CI=true (.ci/run installs it with apt)")
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run the dashboard tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Watch:
    """What a page did that it must not: requests to other hosts and console errors."""

    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def watch() -> Watch:
    """A fresh record for one test."""
    return Watch()


@pytest.fixture
def page(browser: object, live_server: Live, watch: Watch) -> Iterator[object]:
    """A new laptop-sized page on the live server; fails the test on outside requests or console errors."""
    from playwright.sync_api import Browser, ConsoleMessage, Route

    assert isinstance(browser, Browser)
    context = browser.new_context(base_url=live_server.base_url, viewport=VIEWPORT)
    context.set_default_timeout(30_000)

    def guard(route: Route) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            watch.outside.append(route.request.url)
            route.abort()

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watch.errors.append(message.text)

    context.route("**/*", guard)
    tab = context.new_page()
    tab.on("console", console)
    tab.on("pageerror", lambda error: watch.errors.append(str(error)))
    try:
        yield tab
    finally:
        context.close()
    assert watch.outside == [], f"requests to other hosts: {watch.outside}"
    assert watch.errors == [], f"console errors: {watch.errors}"
