"""`aidcoord state export|import|digest`, `aidcoord users password`, and GET /api/v1/state/*."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from aidcoord.access.actor import SYSTEM
from aidcoord.cli.main import app
from aidcoord.db import make_engine, session_scope
from aidcoord.db.migrate import upgrade
from aidcoord.handover import bundle
from aidcoord.handover import service as handover
from aidcoord.plans import service as plans
from tests.api.helpers import V1, problem, sign_in
from tests.conftest import table_row_counts
from tests.handover.helpers import USER, build_state, pack, unpack


def invoke(*args: str, input: str | None = None) -> tuple[int, str]:
    """Run the CLI; its exit code and output (an exception other than an exit fails the test)."""
    result = CliRunner().invoke(app, list(args), input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def _url(path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{path}"
    monkeypatch.setenv("AIDCOORD_DATABASE_URL", url)
    return url


def _digest_line(output: str) -> str:
    found = re.search(r"state digest: ([0-9a-f]{64})", output)
    assert found, output
    return found.group(1)


def test_export_import_digest_at_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "240")
    source_url = _url(tmp_path / "source.db", monkeypatch)
    assert invoke("db", "upgrade")[0] == 0
    source = make_engine(source_url)
    try:
        build_state(source)
    finally:
        source.dispose()
    code, before = invoke("state", "digest")
    assert code == 0, before
    out = tmp_path / "handover" / "state.tar.gz"
    code, output = invoke("state", "export", "--out", str(out))
    assert code == 0, output
    assert _digest_line(output) == _digest_line(before)
    fingerprint = re.search(r"^fingerprint: ([0-9a-f]{64})$", output, re.MULTILINE)
    assert fingerprint, output
    assert not [p for p in out.parent.iterdir() if p.name != out.name]  # no temporary file left

    target_url = _url(tmp_path / "target.db", monkeypatch)
    assert invoke("db", "upgrade")[0] == 0
    code, output = invoke("state", "import", str(out), "--lead", "NSATU", "--expect-sha256", "0" * 64)
    assert code == 2
    assert "not the bundle that was exported" in output
    target = make_engine(target_url)
    try:
        assert table_row_counts(target)["offers"] == 0
        code, output = invoke(
            "state", "import", str(out), "--lead", "NSATU", "--expect-sha256", fingerprint.group(1)
        )
        assert code == 0, output
        assert "handover to NSATU recorded as audit record" in output
        assert "aidcoord users password" in output
        code, after = invoke("state", "digest", "--json")
        assert code == 0
        assert json.loads(after)["state_digest"] == _digest_line(before)
        code, output = invoke("audit", "verify")
        assert code == 0, output

        # The users came without passwords; the new lead gives them new ones.
        code, output = invoke("users", "password", USER, "--password-stdin", input="short\n")
        assert code == 2
        assert "at least 12 characters" in output
        code, output = invoke("users", "password", USER, "--password-stdin", input="a brand new password\n")
        assert code == 0, output
        code, output = invoke("audit", "log", "--action", "user.password")
        assert USER in output
        assert "brand new" not in output

        # A second import into the same database is refused and changes nothing.
        counts = table_row_counts(target)
        code, output = invoke("state", "import", str(out), "--lead", "NSATU")
        assert code == 2
        assert "not empty" in output
        assert table_row_counts(target) == counts
    finally:
        target.dispose()


def test_bad_bundles_at_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _url(tmp_path / "target.db", monkeypatch)
    assert invoke("db", "upgrade")[0] == 0
    code, output = invoke("state", "import", str(tmp_path / "[old].tar.gz"), "--lead", "NSATU")
    assert code == 2
    assert "[old].tar.gz is not a file" in output  # user input is printed, never read as markup
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"PK\x03\x04 this is a zip, not a bundle")
    code, output = invoke("state", "import", str(junk), "--lead", "NSATU")
    assert code == 2
    assert "junk.tar.gz is not an aidcoord state bundle" in output
    assert "Traceback" not in output
    code, output = invoke("state", "export", "--out", str(tmp_path))
    assert code == 2
    assert "is a folder" in output


def test_the_api_serves_the_digest_and_the_bundle(
    api: TestClient, migrated_engine: Engine, tmp_path: Path
) -> None:
    build_state(migrated_engine)
    digest = api.get(f"{V1}/state/digest")
    assert digest.status_code == 200, digest.text
    expected = handover.state_digest(migrated_engine, actor=SYSTEM)
    assert digest.json()["state_digest"] == expected.digest
    assert {t["name"]: t["rows"] for t in digest.json()["tables"]} == {
        t.name: t.rows for t in expected.tables
    }

    response = api.get(f"{V1}/state/export")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/gzip"
    assert "attachment" in response.headers["content-disposition"]
    files = unpack(response.content)
    assert bundle.sha256(files[bundle.MANIFEST]) == response.headers["x-bundle-sha256"]
    target = make_engine(f"sqlite:///{tmp_path / 'target.db'}")
    try:
        upgrade(target)
        handover.import_state(
            target,
            actor=SYSTEM,
            content=pack(files),
            source="download",
            lead="NSATU",
            expect_fingerprint=response.headers["x-bundle-sha256"],
        )
        assert handover.state_digest(target, actor=SYSTEM) == expected
    finally:
        target.dispose()

    # A nation's officer reads no one else's offers, so not the whole state either.
    sign_in(api, migrated_engine, user_id="officer", organisation_id="DEL-N001", role="nation_officer")
    problem(api.get(f"{V1}/state/export"), 403, "forbidden")
    problem(api.get(f"{V1}/state/digest"), 403, "forbidden")
    with session_scope(migrated_engine) as session:
        assert len(plans.list_plans(session, actor=SYSTEM)) == 2
