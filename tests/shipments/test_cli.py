"""`aidcoord shipments` end to end on a migrated SQLite file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aidcoord.cli.main import app
from aidcoord.scenario.generate import generate
from aidcoord.scenario.io import write_package
from tests.shipments.factory import SEED


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_create_list_show_and_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIDCOORD_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("COLUMNS", "200")
    write_package(generate("S", SEED), tmp_path / "pkg")
    assert invoke("db", "upgrade")[0] == 0
    assert invoke("scenario", "load", str(tmp_path / "pkg"))[0] == 0

    code, output = invoke("shipments", "create")
    assert code == 2
    assert "no plan is approved" in output
    assert invoke("plan", "--method", "greedy")[0] == 0
    assert invoke("plan", "approve", "1", "--reason", "board")[0] == 0

    code, output = invoke("shipments", "create")
    assert code == 0, output
    created = int(re.search(r"created (\d+) shipments from plan version 1 \(0 existed", output).group(1))  # type: ignore[union-attr]
    assert created > 0
    code, output = invoke("shipments", "create")
    assert f"created 0 shipments from plan version 1 ({created} existed already)" in output

    code, output = invoke("shipments", "list", "--status", "planned", "--limit", "5")
    assert code == 0, output
    assert f"5 of {created} shipments" in output
    sid = re.search(r"SHP-1-\d+", output).group(0)  # type: ignore[union-attr]
    code, output = invoke("shipments", "list", "--hub", "NOWHERE")
    assert "0 of 0 shipments" in output

    code, output = invoke("shipments", "event", sid, "dispatched", "--week", "2", "--key", "k1")
    assert code == 0, output
    assert f"recorded dispatched on {sid}" in output
    assert "now dispatched" in output
    code, output = invoke("shipments", "event", sid, "dispatched", "--week", "2", "--key", "k1")
    assert code == 0, output
    assert "already recorded dispatched" in output
    code, output = invoke("shipments", "event", sid, "delayed", "--note", "storm")
    assert code == 0, output

    # Refusals exit 2 with the message and no traceback.
    for args, message in (
        (("event", sid, "received", "--quantity", "1", "--signatory", "x"), "is dispatched: cannot received"),
        (("event", sid, "received"), "needs the quantity"),
        (("event", sid, "teleported"), "unknown event 'teleported'"),
        (("event", "SHP-0-0", "dispatched"), "does not exist"),
        (("event", sid, "at_hub", "--key", "k1"), "was used for a different event"),
        (("list", "--status", "floating"), "unknown status"),
        (("list", "--limit", "0"), "limit must be in [1, 1000]"),
        (("show", "SHP-0-0"), "does not exist"),
    ):
        code, output = invoke("shipments", *args)
        assert code == 2, (args, output)
        assert message in output, (args, output)
        assert "Traceback" not in output

    code, output = invoke("shipments", "show", sid)
    assert code == 0, output
    assert f"{sid} dispatched (delayed)" in output
    assert "Timeline" in output
    assert "storm" in output
    assert "system (CELL)" in output
    assert output.index("dispatched", output.index("Timeline")) < output.index(
        "delayed", output.index("Timeline")
    )
