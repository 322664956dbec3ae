"""`aidcoord training` end to end on SQLite: courses, needs, plan, show with exports, what-if."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from aidcoord.cli.main import app
from aidcoord.scenario.generate import generate
from aidcoord.scenario.io import write_package


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_training_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIDCOORD_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("COLUMNS", "200")
    scenario = generate("S", 31)
    write_package(scenario, tmp_path / "pkg")
    assert invoke("db", "upgrade")[0] == 0
    assert invoke("scenario", "load", str(tmp_path / "pkg"))[0] == 0
    code, output = invoke("training", "courses")
    assert code == 0, output
    assert "Courses (6)" in output
    code, output = invoke("training", "needs")
    assert "Training needs (4)" in output
    course = scenario.courses[0]
    code, output = invoke(
        "training", "courses", "add", "--nation", course.nation_id, "--specialty", "medic", "--seats", "6",
        "--start", "1", "--weeks", "2", "--site", course.site_id, "--id", "CRS-CLI",
    )  # fmt: skip
    assert code == 0, output
    assert "finishes week 3" in output
    code, output = invoke(
        "training", "needs", "add", "--specialty", "medic", "--trainees", "4", "--priority", "1",
        "--weight", "2", "--due", "3", "--id", "TRN-CLI",
    )  # fmt: skip
    assert code == 0, output
    code, output = invoke("training", "needs", "add", "--specialty", "medic", "--trainees", "4",
                          "--priority", "1", "--weight", "2", "--due", "999")  # fmt: skip
    assert code == 2
    assert "due_week" in output
    code, output = invoke("training", "plan", "--baseline", "greedy")
    assert code == 0, output
    assert "stored training plan version 1 (greedy)" in output
    code, output = invoke("training", "plan")
    assert code == 0, output
    assert "Training fill by specialty" in output
    assert "Seats by offering nation" in output
    code, output = invoke(
        "training", "show", "1", "--csv", str(tmp_path / "csv"), "--xlsx", str(tmp_path / "t.xlsx")
    )
    assert code == 0, output
    assert (tmp_path / "csv" / "training-fill-by-specialty.csv").is_file()
    assert (tmp_path / "t.xlsx").read_bytes()[:2] == b"PK"
    code, output = invoke("training", "list")
    assert code == 0
    code, output = invoke("training", "whatif", "--withdraw", course.nation_id)
    assert code == 0, output
    assert f"{course.nation_id} withdraw their courses" in output
    code, output = invoke("training", "whatif", "--withdraw", "ZZZ")
    assert code == 2
    assert "unknown nation" in output
    code, output = invoke("training", "show", "9")
    assert code == 2
    assert "does not exist" in output
