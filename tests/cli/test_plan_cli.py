"""`aidcoord plan` end to end: files in, files out; and the database's versioned plans."""

from __future__ import annotations

import csv
import json
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


@pytest.fixture
def package(tmp_path: Path) -> Path:
    write_package(generate("S", 31), tmp_path / "pkg")
    return tmp_path / "pkg"


def test_plan_files_writes_the_plan_folder_and_greedy(package: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    code, output = invoke("plan", "--scenario", str(package), "--out", str(out), "--baseline", "greedy")
    assert code == 0, output
    for folder in (out, out / "greedy"):
        with (folder / "allocations.csv").open(encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        assert header == [
            "offer_id",
            "requirement_id",
            "hub_site_id",
            "depart_week",
            "hub_week",
            "arrive_week",
            "quantity",
        ]
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        assert {
            "objective",
            "lp_bound",
            "gap",
            "weighted_fulfilment",
            "on_time_fill",
            "solver",
            "status",
        } <= set(summary)
    ours = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    greedy = json.loads((out / "greedy" / "summary.json").read_text(encoding="utf-8"))
    assert ours["objective"] >= greedy["objective"] - 1e-6
    assert "weighted fulfilment" in output


def test_plan_files_rejects_bad_pins_with_their_place(package: Path, tmp_path: Path) -> None:
    pins = tmp_path / "pins.csv"
    pins.write_text(
        "offer_id,requirement_id,hub_site_id,depart_week,hub_week,arrive_week,quantity\nO,R,H,1,2,x,1\n",
        encoding="utf-8",
    )
    code, output = invoke(
        "plan", "--scenario", str(package), "--out", str(tmp_path / "p"), "--pin", str(pins)
    )
    assert code == 2
    assert "pins.csv, row 2, column arrive_week" in output
    assert not (tmp_path / "p").exists()


def test_plan_database_show_diff_approve(
    package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIDCOORD_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("COLUMNS", "200")
    assert invoke("db", "upgrade")[0] == 0
    assert invoke("scenario", "load", str(package))[0] == 0
    code, output = invoke("plan")
    assert code == 0, output
    assert "stored plan version 1" in output
    assert "Hub utilisation" in output
    code, output = invoke("plan", "--method", "greedy")
    assert code == 0, output
    code, output = invoke("plan", "list")
    assert code == 0
    assert "greedy" in output
    code, output = invoke("plan", "diff", "1", "2")
    assert code == 0, output
    assert "allocations added" in output
    code, output = invoke("plan", "approve", "1")
    assert code == 2  # --reason is required
    code, output = invoke("plan", "approve", "1", "--reason", "board of 2025-03-03")
    assert code == 0, output
    code, output = invoke("plan", "approve", "1", "--reason", "again")
    assert code == 2
    assert "only a draft plan can be approved" in output
    code, output = invoke("plan", "show", "9")
    assert code == 2
    assert "does not exist" in output
