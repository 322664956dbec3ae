"""Reading a Kiel folder: every problem is named with file, row and column (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aidcoord.errors import ValidationFailed
from aidcoord.reference.kiel import read_kiel
from tests.reference.factory import break_cell, kiel_copy


def problems_of(folder: Path) -> set[tuple[str | None, int | None, str | None]]:
    """Where reading `folder` finds problems."""
    with pytest.raises(ValidationFailed) as caught:
        read_kiel(folder)
    return {(p.file, p.row, p.column) for p in caught.value.problems}


def test_bad_cells_are_named(tmp_path: Path) -> None:
    folder = kiel_copy(tmp_path)
    break_cell(folder, 2, "iso", '""')
    break_cell(folder, 3, "year", "2022.5")
    break_cell(folder, 4, "military", "inf")
    break_cell(folder, 6, "gdp", "-3")
    assert problems_of(folder) == {
        ("data_explorer.csv", 2, "iso"),
        ("data_explorer.csv", 3, "year"),
        ("data_explorer.csv", 4, "military"),
        ("data_explorer.csv", 6, "gdp"),
    }


def test_a_month_twice_is_named_at_the_second(tmp_path: Path) -> None:
    folder = kiel_copy(tmp_path)
    path = folder / "data_explorer.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, lines[1]]) + "\n", encoding="utf-8")
    assert problems_of(folder) == {("data_explorer.csv", len(lines) + 1, "month")}


def test_missing_files_and_columns(tmp_path: Path) -> None:
    folder = kiel_copy(tmp_path)
    (folder / "release_info.csv").unlink()
    path = folder / "data_explorer.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"commitments"', '"pledges"', 1), encoding="utf-8")
    assert problems_of(folder) == {("release_info.csv", None, None), ("data_explorer.csv", 1, "commitments")}
    assert problems_of(tmp_path / "nowhere") == {(str(tmp_path / "nowhere"), None, None)}


def test_release_info_is_checked(tmp_path: Path) -> None:
    folder = kiel_copy(tmp_path)
    (folder / "release_info.csv").write_text(
        '"release","period","date","label"\n"29 final","04/2026","4 Aug 2026",""\n', encoding="utf-8"
    )
    assert problems_of(folder) == {
        ("release_info.csv", 2, "release"),
        ("release_info.csv", 2, "date"),
        ("release_info.csv", 2, "label"),
    }
