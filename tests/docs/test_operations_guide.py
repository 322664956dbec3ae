"""The operator's guide works as written, and the deploy/ files fit the program they run.

The shell blocks of docs/operations.md marked `<!-- exercised: … -->` run, in order, as one bash script
per database: on SQLite, and on the PostgreSQL server of tests/conftest.py (with `pg_dump` and
`pg_restore`; with CI=true a missing server or missing tools fail the test). `aidcoord` in those scripts
is the warm command line of tests/docs/warm_cli.py — the same `aidcoord.cli.main:app` the console script
runs, forked from this process instead of imported once per command — and `aidcoord-backup` is
deploy/aidcoord-backup.sh.
What needs root, systemd or nginx is not run: the unit files are checked with `systemd-analyze verify`
where it exists and against `aidcoord serve`'s and `aidcoord worker`'s own options, the nginx site by its
structure.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import make_url, text

from aidcoord.api.app import create_app
from aidcoord.api.limits import DEFAULT_MAX_BODY_BYTES, max_body_bytes
from aidcoord.api.logs import JsonFormatter
from aidcoord.cli.main import app as cli_app
from aidcoord.config import DEFAULT_DATABASE_URL, get_settings
from aidcoord.db import make_engine
from aidcoord.db.migrate import head_revision, upgrade
from aidcoord.errors import DomainError
from aidcoord.jobs import runner
from aidcoord.plans.schemas import PlanCreate
from aidcoord.training.schemas import TrainingPlanCreate
from tests.conftest import IN_CI, POSTGRES_ADMIN_URL, _postgres_available
from tests.docs import shell, warm_cli

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "operations.md"
DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "aidcoord.service"
WORKER_UNIT = DEPLOY / "aidcoord-worker.service"
BACKUP_UNIT = DEPLOY / "aidcoord-backup.service"
BACKUP_TIMER = DEPLOY / "aidcoord-backup.timer"
ENV_EXAMPLE = DEPLOY / "aidcoord.env.example"
NGINX = DEPLOY / "nginx-aidcoord.conf"
BACKUP_SCRIPT = DEPLOY / "aidcoord-backup.sh"
INSTALLED_AIDCOORD = "/opt/aidcoord/venv/bin/aidcoord"
INSTALLED_BACKUP = "/usr/local/bin/aidcoord-backup"
VARIABLE = re.compile(r"\bAIDCOORD_[A-Z0-9_]*[A-Z0-9]\b")


# --- the exercised blocks -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def warm_bin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder with the warm `aidcoord` and `aidcoord-backup`, for the front of PATH."""
    here = tmp_path_factory.mktemp("warm")
    socket_path = here / "aidcoord.sock"
    server = warm_cli.start(socket_path)
    try:
        bin_dir = here / "bin"
        warm_cli.write_shim(bin_dir, socket_path)
        (bin_dir / "aidcoord-backup").symlink_to(BACKUP_SCRIPT)
        yield bin_dir
    finally:
        os.kill(server, signal.SIGKILL)
        os.waitpid(server, 0)


def _require(*tools: str, why: str) -> None:
    """Skip (fail with CI=true) when a program the guide's commands use is not installed."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        if IN_CI:
            pytest.fail(f"{why} needs {', '.join(missing)} when CI=true")
        pytest.skip(f"{why} needs {', '.join(missing)}")


def run_guide(backend: str, bin_dir: Path, workdir: Path, **variables: str) -> str:
    """Run the guide's exercised blocks for `backend` in `workdir`; their output (fails the test on error)."""
    _require("bash", "openssl", *(["sqlite3"] if backend == "sqlite" else []), why="the guide")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIDCOORD_")}
    env.update(variables)
    env["PATH"] = os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), env.get("PATH", "")])
    env["COLUMNS"] = "120"
    result = subprocess.run(
        ["bash", "-c", shell.script(GUIDE, backend)],
        cwd=workdir,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"the guide's commands failed on {backend}:\n{output}"
    return output


def test_the_guide_marks_blocks_for_both_databases() -> None:
    marked = [b for b in shell.blocks(GUIDE) if b.backends]
    assert {b.lang for b in marked} == {"sh"}
    assert set().union(*(b.backends for b in marked)) == {"sqlite", "postgresql"}


@pytest.mark.slow
def test_the_guide_runs_on_sqlite(warm_bin: Path, tmp_path: Path) -> None:
    output = run_guide(
        "sqlite",
        warm_bin,
        tmp_path,
        AIDCOORD_DATABASE_URL=f"sqlite:///{tmp_path / 'aidcoord.db'}",
        BACKUPS=str(tmp_path / "backups"),
        IMPORT_URL=f"sqlite:///{tmp_path / 'import.db'}",
        RESTORE_URL=f"sqlite:///{tmp_path / 'restore.db'}",
    )
    assert "imported: the backed-up state" in output
    assert "audit trail intact" in output
    assert "revoked token" in output
    assert "disabled reports-bot" in output
    stems = {p.name.split(".", 1)[0] for p in (tmp_path / "backups").iterdir()}
    assert len(stems) == 1
    (stem,) = stems
    assert {p.suffix for p in (tmp_path / "backups").iterdir()} == {".sqlite", ".gz", ".txt"}
    report = (tmp_path / "backups" / f"{stem}.txt").read_text()
    assert re.search(r"^fingerprint: [0-9a-f]{64}$", report, re.MULTILINE)
    assert re.search(r"^dump state digest: [0-9a-f]{64}$", report, re.MULTILINE)


def _postgres_tools() -> None:
    reason = _postgres_available()
    if reason is not None:
        if IN_CI:
            pytest.fail(f"the restore drill needs PostgreSQL when CI=true: {reason}")
        pytest.skip(f"the restore drill needs PostgreSQL: {reason}")
    _require("pg_dump", "pg_restore", why="the restore drill")


@pytest.fixture
def postgres_databases() -> Iterator[dict[str, str]]:
    """Two new empty PostgreSQL databases (live, restore) as libpq URLs; dropped afterwards."""
    _postgres_tools()
    admin = make_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    names = {role: f"aidcoord_ops_{role}_{uuid.uuid4().hex[:10]}" for role in ("live", "restore")}
    base = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql")
    try:
        with admin.connect() as connection:
            for name in names.values():
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield {
            role: base.set(database=name).render_as_string(hide_password=False)
            for role, name in names.items()
        }
    finally:
        with admin.connect() as connection:
            for name in names.values():
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.slow
@pytest.mark.postgres
def test_the_backup_and_the_dump_drill_run_on_postgresql(
    warm_bin: Path, tmp_path: Path, postgres_databases: dict[str, str]
) -> None:
    output = run_guide(
        "postgresql",
        warm_bin,
        tmp_path,
        AIDCOORD_DATABASE_URL=postgres_databases["live"],
        BACKUPS=str(tmp_path / "backups"),
        RESTORE_URL=postgres_databases["restore"],
    )
    assert "restored: the backed-up state" in output
    assert "audit trail intact" in output
    assert {p.suffix for p in (tmp_path / "backups").iterdir()} == {".dump", ".gz", ".txt"}


# --- what the guide says about the program -----------------------------------------------------------


def _table(marker: str) -> list[list[str]]:
    """The rows (cells without backticks) of the markdown table after `<!-- marker -->` in the guide."""
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index(f"<!-- {marker} -->")
    rows: list[list[str]] = []
    for line in text[start:].splitlines()[1:]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [c.strip().strip("`") for c in line.strip("|").split("|")]
        if not set(cells[0]) <= {"-", ":"}:
            rows.append(cells)
    return rows[1:]  # without the header


def _documented_variables() -> dict[str, str]:
    return {row[0]: row[1] for row in _table("environment")}


def test_every_aidcoord_variable_is_documented() -> None:
    used = {
        m for path in (ROOT / "src" / "aidcoord").rglob("*.py") for m in VARIABLE.findall(path.read_text())
    }
    assert set(_documented_variables()) == used


def test_the_documented_defaults_are_the_programs() -> None:
    documented = _documented_variables()
    assert documented.pop("AIDCOORD_DATABASE_URL") == DEFAULT_DATABASE_URL
    assert get_settings(documented) == get_settings({})
    assert max_body_bytes(documented) == max_body_bytes({}) == DEFAULT_MAX_BODY_BYTES


def _env_file(path: Path) -> tuple[dict[str, str], set[str]]:
    """A systemd EnvironmentFile: its assignments, and every variable named (commented out or not)."""
    values: dict[str, str] = {}
    named: set[str] = set()
    for line in path.read_text().splitlines():
        match = re.fullmatch(r"(#?)([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            named.add(match[2])
            if not match[1]:
                values[match[2]] = match[3].strip().strip("'\"")
    return values, named


def test_the_environment_example_names_every_variable_with_valid_defaults() -> None:
    values, named = _env_file(ENV_EXAMPLE)
    assert set(_documented_variables()) <= named
    assert get_settings(values).pool == get_settings({}).pool
    assert max_body_bytes(values) == DEFAULT_MAX_BODY_BYTES
    url = make_url(values["AIDCOORD_DATABASE_URL"])
    assert url.drivername == "postgresql"  # pg_dump and psql read the same URL


def test_the_log_fields_and_probes_are_what_the_server_answers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'aidcoord.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("aidcoord.access_log")
    handler, level = Keep(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)  # what `aidcoord serve` configures; unconfigured, INFO is dropped
    try:
        with TestClient(create_app(url)) as client:
            live = client.get("/healthz", headers={"X-Request-ID": "ops-guide-1"})
            ready = client.get("/readyz")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert live.status_code == 200
    assert live.json() == {"status": "ok"}
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "schema": head_revision()}
    lines = [json.loads(JsonFormatter().format(r)) for r in records]
    line = next(x for x in lines if x["request_id"] == "ops-guide-1")
    assert set(line) == {row[0] for row in _table("log-fields")}
    assert line["logger"] == "aidcoord.access_log"
    assert line["user"] is None
    assert line["status"] == 200


# --- the deploy files -----------------------------------------------------------------------------------


@dataclass
class Unit:
    """A systemd unit file: its sections' settings (a key may repeat)."""

    sections: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def get(self, section: str, key: str) -> list[str]:
        """Every value of `key` in `section`, in order."""
        return [v for k, v in self.sections.get(section, []) if k == key]

    def one(self, section: str, key: str) -> str:
        """The one value of `key` in `section`."""
        values = self.get(section, key)
        assert len(values) == 1, f"[{section}] {key}: {values}"
        return values[0]


def read_unit(path: Path) -> Unit:
    """Parse a unit file as systemd does: sections, `Key=value` lines, `#`/`;` comments."""
    unit = Unit()
    section = None
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            assert section not in unit.sections, f"{path.name}:{number}: [{section}] twice"
            unit.sections[section] = []
            continue
        assert section is not None, f"{path.name}:{number}: a setting before any section"
        assert "=" in line, f"{path.name}:{number}: not a setting: {raw!r}"
        key, value = line.split("=", 1)
        unit.sections[section].append((key.strip(), value.strip()))
    return unit


def _serve_options() -> dict[str, Any]:
    """`aidcoord serve`'s ExecStart options, parsed by the serve command itself."""
    argv = shlex.split(read_unit(UNIT).one("Service", "ExecStart"))
    assert argv[0] == INSTALLED_AIDCOORD
    assert argv[1] == "serve"
    assert shell.check_aidcoord_command(["aidcoord", *argv[1:]]) is None
    serve = typer.main.get_command(cli_app).commands["serve"]  # type: ignore[attr-defined]
    context = serve.make_context("serve", argv[2:])
    return dict(context.params)


def test_the_unit_runs_serve_with_options_it_takes() -> None:
    unit = read_unit(UNIT)
    assert set(unit.sections) == {"Unit", "Service", "Install"}
    options = _serve_options()
    assert options["workers"] > 1
    assert options["log_format"] == "json"
    assert options["host"] == "127.0.0.1"
    assert unit.one("Service", "User") == "aidcoord" == unit.one("Service", "Group")
    assert unit.one("Service", "EnvironmentFile") == "/etc/aidcoord/aidcoord.env"
    assert unit.one("Service", "Restart") == "on-failure"
    # Exit 2 is aidcoord's bad-input status: a restart cannot fix the configuration.
    assert unit.one("Service", "RestartPreventExitStatus") == str(DomainError.exit_code)
    assert int(unit.one("Service", "TimeoutStopSec")) > options["graceful_timeout"]
    for key, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes"}.items():
        assert unit.one("Service", key) == value
    assert unit.one("Install", "WantedBy") == "multi-user.target"


def _worker_options() -> dict[str, Any]:
    """`aidcoord worker`'s ExecStart options, parsed by the worker command itself."""
    argv = shlex.split(read_unit(WORKER_UNIT).one("Service", "ExecStart"))
    assert argv[0] == INSTALLED_AIDCOORD
    assert argv[1] == "worker"
    assert shell.check_aidcoord_command(["aidcoord", *argv[1:]]) is None
    command = typer.main.get_command(cli_app).commands["worker"]  # type: ignore[attr-defined]
    context = command.make_context("worker", argv[2:])
    return dict(context.params)


def test_the_worker_unit_runs_worker_like_the_server() -> None:
    unit, server = read_unit(WORKER_UNIT), read_unit(UNIT)
    assert set(unit.sections) == {"Unit", "Service", "Install"}
    options = _worker_options()
    assert not options["once"]
    assert options["concurrency"] >= 1
    # Well above the heartbeat, so a busy but living worker's job is never taken from it.
    assert options["stalled_after"] >= 6 * runner.HEARTBEAT_S
    for key in (
        "User",
        "Group",
        "EnvironmentFile",
        "WorkingDirectory",
        "Restart",
        "RestartPreventExitStatus",
    ):
        assert unit.one("Service", key) == server.one("Service", key), key
    assert unit.one("Service", "RestartPreventExitStatus") == str(DomainError.exit_code)
    # SIGTERM lets the jobs in flight finish: wait longer than a plan's default time limit.
    assert unit.one("Service", "KillSignal") == "SIGTERM"
    assert int(unit.one("Service", "TimeoutStopSec")) > PlanCreate.model_fields["time_limit_s"].default
    # The hardening: every setting from NoNewPrivileges on, as the server has it.
    settings = server.sections["Service"]
    hardening = [key for key, _ in settings[settings.index(("NoNewPrivileges", "yes")) :]]
    assert len(hardening) > 10
    for key in hardening:
        assert unit.get("Service", key) == server.get("Service", key), key
    assert unit.one("Install", "WantedBy") == "multi-user.target"


def test_the_backup_units_run_the_backup_script() -> None:
    service, timer = read_unit(BACKUP_UNIT), read_unit(BACKUP_TIMER)
    assert service.one("Service", "Type") == "oneshot"
    assert shlex.split(service.one("Service", "ExecStart"))[0] == INSTALLED_BACKUP
    assert service.one("Service", "EnvironmentFile") == read_unit(UNIT).one("Service", "EnvironmentFile")
    path = dict(v.split("=", 1) for v in service.get("Service", "Environment"))["PATH"]
    assert str(Path(INSTALLED_AIDCOORD).parent) in path.split(":")
    assert timer.one("Timer", "OnCalendar")
    assert timer.one("Install", "WantedBy") == "timers.target"
    assert os.access(BACKUP_SCRIPT, os.X_OK)
    subprocess.run(["bash", "-n", str(BACKUP_SCRIPT)], check=True)


def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (the units are still parsed above)")
    # verify wants the programs to exist: point ExecStart at this checkout's.
    here = {
        INSTALLED_AIDCOORD: str(Path(sys.executable).parent / "aidcoord"),
        INSTALLED_BACKUP: str(BACKUP_SCRIPT),
    }
    copies = []
    for path in (UNIT, WORKER_UNIT, BACKUP_UNIT, BACKUP_TIMER):
        content = path.read_text()
        for installed, local in here.items():
            content = content.replace(installed, local)
        copy = tmp_path / path.name
        copy.write_text(content)
        copies.append(str(copy))
    result = subprocess.run([analyze, "verify", *copies], capture_output=True, text=True, timeout=60)
    complaints = [line for line in (result.stdout + result.stderr).splitlines() if str(tmp_path) in line]
    assert result.returncode == 0, result.stdout + result.stderr
    assert not complaints, complaints


# --- nginx ------------------------------------------------------------------------------------------------


@dataclass
class Directive:
    """An nginx directive: its name, arguments and block (None for a simple directive)."""

    name: str
    args: list[str]
    block: list[Directive] | None = None

    def find(self, name: str) -> list[Directive]:
        """The directives called `name` directly inside this block."""
        return [d for d in self.block or [] if d.name == name]


def parse_nginx(source: str) -> Directive:
    """A structural parse: every simple directive ends with `;`, every block's braces balance."""
    tokens = re.findall(r"\"[^\"]*\"|'[^']*'|[{};]|[^\s{};\"']+", re.sub(r"(?m)#.*$", "", source))
    root = Directive("main", [], [])
    stack = [root]
    words: list[str] = []
    for token in tokens:
        if token in ("{", ";"):
            assert words, f"a {token!r} without a directive"
            directive = Directive(words[0], [w.strip("\"'") for w in words[1:]], [] if token == "{" else None)
            assert stack[-1].block is not None
            stack[-1].block.append(directive)
            if token == "{":
                stack.append(directive)
            words = []
        elif token == "}":
            assert not words, f"{' '.join(words)!r} does not end with ';'"
            assert len(stack) > 1, "a '}' closes nothing"
            stack.pop()
        else:
            words.append(token)
    assert not words, f"{' '.join(words)!r} does not end with ';'"
    assert len(stack) == 1, "a '{' is never closed"
    return root


def _size(value: str) -> int:
    units = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
    match = re.fullmatch(r"(\d+)([kmg]?)", value.lower())
    assert match, value
    return int(match[1]) * units[match[2]]


def _seconds(value: str) -> int:
    match = re.fullmatch(r"(\d+)(s|m)?", value)
    assert match, value
    return int(match[1]) * (60 if match[2] == "m" else 1)


def test_the_parser_finds_broken_sites() -> None:
    for broken in ("server { listen 80 }", "server { listen 80;", "server { listen 80; }}", "listen 80"):
        with pytest.raises(AssertionError):
            parse_nginx(broken)


def test_nginx_proxies_to_the_unit_with_the_request_id_and_the_body_limit() -> None:
    site = parse_nginx(NGINX.read_text())
    options = _serve_options()
    (upstream,) = site.find("upstream")
    (name,) = upstream.args
    assert [d.args for d in upstream.find("server")] == [[f"{options['host']}:{options['port']}"]]
    servers = site.find("server")
    tls = [s for s in servers if any("ssl" in d.args for d in s.find("listen"))]
    assert len(tls) == 1
    (server,) = tls
    assert server.find("ssl_certificate")
    assert server.find("ssl_certificate_key")
    assert {tuple(s.find("server_name")[0].args) for s in servers} == {("aidcoord.example.org",)}
    (body_limit,) = server.find("client_max_body_size")
    example, _ = _env_file(ENV_EXAMPLE)
    assert _size(body_limit.args[0]) == DEFAULT_MAX_BODY_BYTES == int(example["AIDCOORD_MAX_BODY_BYTES"])
    locations = {tuple(d.args): d for d in server.find("location")}
    for location in locations.values():
        assert [d.args for d in location.find("proxy_pass")] == [[f"http://{name}"]]
    root = locations[("/",)]
    headers = {d.args[0].lower(): d.args[1] for d in root.find("proxy_set_header")}
    assert headers["x-request-id"] == "$request_id"
    assert headers["x-forwarded-proto"] == "$scheme"
    (read_timeout,) = root.find("proxy_read_timeout")
    # Plans are jobs (202 at once), so the proxy need not wait for one; a training plan still runs inside
    # its request, so the proxy waits at least its default time limit.
    in_request = TrainingPlanCreate.model_fields["time_limit_s"].default
    assert in_request < _seconds(read_timeout.args[0]) < PlanCreate.model_fields["time_limit_s"].default
    assert "= /healthz" in {" ".join(k) for k in locations}
    assert "= /readyz" in {" ".join(k) for k in locations}
