"""The scenario and db commands, end to end through the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aidcoord.cli.main import app
from aidcoord.db import make_engine
from tests.conftest import state_rows

BROKEN = Path(__file__).resolve().parents[1] / "scenario" / "broken"
CASES = sorted(p.name for p in BROKEN.iterdir() if (p / "expected.json").exists())


@pytest.fixture
def cli(empty_database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner whose commands use a fresh database of each backend."""
    monkeypatch.setenv("AIDCOORD_DATABASE_URL", empty_database_url)
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()


def run(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES)
def test_broken_package_is_rejected_and_nothing_is_written(cli: CliRunner, case: str) -> None:
    expected = json.loads((BROKEN / case / "expected.json").read_text(encoding="utf-8"))
    code, _ = run(cli, "db", "upgrade")
    assert code == 0

    code, out = run(cli, "scenario", "validate", str(BROKEN / case))
    assert code == 2
    where = [expected["file"]]
    if expected.get("row") is not None:
        where.append(f"row {expected['row']}")
    if expected.get("column") is not None:
        where.append(f"column {expected['column']}")
    assert ", ".join(where) in out
    assert expected["contains"] in out
    assert "Traceback" not in out

    code, out = run(cli, "scenario", "load", str(BROKEN / case))
    assert code == 2
    assert ", ".join(where) in out
    engine = make_engine(os.environ["AIDCOORD_DATABASE_URL"])
    try:
        assert state_rows(engine) == 0
    finally:
        engine.dispose()


def test_load_show_export_round_trip(cli: CliRunner, tmp_path: Path) -> None:
    assert run(cli, "db", "upgrade")[0] == 0
    code, out = run(
        cli, "scenario", "generate", "--size", "S", "--seed", "11", "--out", str(tmp_path / "gen")
    )
    assert code == 0, out
    code, out = run(cli, "scenario", "load", str(tmp_path / "gen"))
    assert code == 0, out
    assert "offers" in out
    code, out = run(cli, "scenario", "show")
    assert code == 0, out
    assert "Hub capacity" in out
    code, out = run(cli, "scenario", "export", str(tmp_path / "exported"))
    assert code == 0, out
    for name in ("nations.csv", "offers.csv", "requirements.csv", "lanes.csv", "items.csv"):
        assert (tmp_path / "exported" / name).read_bytes() == (tmp_path / "gen" / name).read_bytes()


def test_commands_refuse_an_unmigrated_database(cli: CliRunner) -> None:
    code, out = run(cli, "scenario", "show")
    assert code == 2
    assert "aidcoord db upgrade" in out


def test_second_load_is_refused_without_replace(cli: CliRunner) -> None:
    assert run(cli, "db", "upgrade")[0] == 0
    assert run(cli, "scenario", "load", "nsatu")[0] == 0
    code, out = run(cli, "scenario", "load", "nsatu")
    assert code == 2
    assert "already loaded" in out
    assert run(cli, "scenario", "load", "nsatu", "--replace")[0] == 0


def test_generate_rejects_unknown_size(cli: CliRunner, tmp_path: Path) -> None:
    code, out = run(cli, "scenario", "generate", "--size", "Q", "--out", str(tmp_path / "q"))
    assert code == 2
    assert "unknown size" in out
