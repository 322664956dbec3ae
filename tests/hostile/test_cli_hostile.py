"""Hostile scenario packages and arguments to the CLI, on SQLite and PostgreSQL: exit 2 with a message
naming file, row and column, no traceback, and nothing written.

Each case is the valid hand-written package of tests/scenario/base with one defect.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aidcoord.cli.main import app
from aidcoord.db import make_engine
from aidcoord.scenario.io import MAX_FILE_BYTES, MAX_INTEGER
from tests.conftest import table_row_counts

BASE = Path(__file__).resolve().parents[1] / "scenario" / "base"


def _replace_in(name: str, old: str, new: str | bytes) -> Callable[[Path], None]:
    def change(package: Path) -> None:
        content = (package / name).read_bytes()
        assert old.encode() in content
        replacement = new if isinstance(new, bytes) else new.encode()
        (package / name).write_bytes(content.replace(old.encode(), replacement, 1))

    return change


def _resource_path(path: str) -> Callable[[Path], None]:
    def change(package: Path) -> None:
        doc = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
        next(r for r in doc["resources"] if r["name"] == "offers")["path"] = path
        (package / "datapackage.json").write_text(json.dumps(doc), encoding="utf-8")

    return change


def _link_outside(package: Path) -> None:
    outside = package.parent / "elsewhere.csv"
    (package / "offers.csv").rename(outside)
    (package / "offers.csv").symlink_to(outside)


def _huge_file(package: Path) -> None:
    with (package / "offers.csv").open("r+b") as file:  # sparse: nothing is really written
        file.truncate(MAX_FILE_BYTES + 1)


def _nested_datapackage(package: Path) -> None:
    (package / "datapackage.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")


def _long_name(package: Path) -> None:
    doc = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    doc["name"] = "n" * 201
    (package / "datapackage.json").write_text(json.dumps(doc), encoding="utf-8")


FIRST_OFFER = "OFF-1,AAA,ITM-1,600,0,DEP-A,committed"

DEFECTS: dict[str, tuple[Callable[[Path], None], list[str]]] = {
    "invalid UTF-8": (
        _replace_in("offers.csv", "OFF-1", b"OFF-\xff\xfe1"),
        ["offers.csv", "not UTF-8", "line 2"],
    ),
    "NUL in a cell": (
        _replace_in("items.csv", "ITM-1,", "ITM-1\x00,"),
        ["items.csv, row 2, column item_id", "NUL"],
    ),
    "text longer than its column": (
        _replace_in("nations.csv", "AAA,", "A" * 17 + ","),
        ["nations.csv, row 2, column nation_id", "at most 16 characters"],
    ),
    "a whole number above 32 bits": (
        _replace_in("offers.csv", FIRST_OFFER, FIRST_OFFER.replace(",600,", f",{MAX_INTEGER + 1},")),
        ["offers.csv, row 2, column quantity", f"and {MAX_INTEGER}"],
    ),
    "a number of 5000 digits": (
        _replace_in("offers.csv", FIRST_OFFER, FIRST_OFFER.replace(",600,", f",{'9' * 5000},")),
        ["offers.csv, row 2, column quantity", "5000 digits"],
    ),
    "a parent path": (_resource_path("../../etc/passwd"), ["datapackage.json", "inside the package"]),
    "an absolute path": (_resource_path("/etc/passwd"), ["datapackage.json", "inside the package"]),
    "a backslash path": (_resource_path("..\\..\\offers.csv"), ["datapackage.json", "inside the package"]),
    "a link out of the package": (_link_outside, ["offers.csv", "outside the package"]),
    "a file above the size limit": (_huge_file, ["offers.csv", f"more than the {MAX_FILE_BYTES} bytes"]),
    "deeply nested JSON": (_nested_datapackage, ["datapackage.json", "not readable JSON"]),
    "a name longer than its column": (_long_name, ["datapackage.json", "at most 200 characters"]),
}


@pytest.fixture
def cli(empty_database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner whose commands use a fresh, migrated database of each backend."""
    monkeypatch.setenv("AIDCOORD_DATABASE_URL", empty_database_url)
    monkeypatch.setenv("COLUMNS", "250")
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    return runner


def _run(cli: CliRunner, *args: str) -> tuple[int, str]:
    result = cli.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, " ".join(result.output.split())


def _rows() -> int:
    engine = make_engine(os.environ["AIDCOORD_DATABASE_URL"])
    try:
        return sum(table_row_counts(engine).values())
    finally:
        engine.dispose()


def test_hostile_packages_and_arguments_exit_2_and_write_nothing(cli: CliRunner, tmp_path: Path) -> None:
    empty = _rows()  # a migrated database holds a row or two of its own
    for what, (defect, expected) in DEFECTS.items():
        package = tmp_path / what.replace(" ", "-") / "package"
        shutil.copytree(BASE, package)
        defect(package)
        for command in ("validate", "load"):
            code, out = _run(cli, "scenario", command, str(package))
            assert code == 2, (what, command, out)
            for words in expected:
                assert words in out, (what, command, out)
        assert _rows() == empty, what

    # Text as long as its column loads on both databases, and reads back whole.
    package = tmp_path / "longest" / "package"
    shutil.copytree(BASE, package)
    _replace_in("items.csv", "ITM-1,", "I" * 64 + ",")(package)
    for name in ("offers.csv", "requirements.csv", "substitutes.csv"):
        if (package / name).read_text(encoding="utf-8").count("ITM-1,"):
            content = (package / name).read_text(encoding="utf-8").replace("ITM-1,", "I" * 64 + ",")
            (package / name).write_text(content, encoding="utf-8")
    code, out = _run(cli, "scenario", "load", str(package))
    assert code == 0, out
    code, out = _run(cli, "offers", "show", "OFF-1")
    assert code == 0, out
    assert "I" * 64 in out

    # Arguments no database column can hold: refused before anything is written.
    before = _rows()
    for args, words in (
        (("offers", "withdraw", "OFF-1", "--reason", "bad byte \udcff"), "surrogate"),
        (
            ("users", "add", "vera", "-o", "CELL", "-r", "viewer", "--no-password", "--name", "n" * 201),
            "at most 200 characters",
        ),
        (("offers", "amend", "OFF-1", "--quantity", str(MAX_INTEGER + 1)), str(MAX_INTEGER)),
    ):
        code, out = _run(cli, *args)
        assert code == 2, (args, out)
        assert words in out, (args, out)
    assert _rows() == before
