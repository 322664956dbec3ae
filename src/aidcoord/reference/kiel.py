"""Read a folder of Kiel Ukraine Support Tracker aggregates: release_info.csv and data_explorer.csv.

Every problem is collected with its file, row (the CSV line number, header = 1) and column, and the
folder is refused as a whole (ValidationFailed) if there is any, so that nothing half-read is stored.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from aidcoord.analysis.burden import KielMonth
from aidcoord.errors import Problem, ValidationFailed

RELEASE_FILE = "release_info.csv"
SERIES_FILE = "data_explorer.csv"
RELEASE_COLUMNS: tuple[str, ...] = ("release", "period", "date", "label")
SERIES_COLUMNS: tuple[str, ...] = (
    "country",
    "iso",
    "year",
    "month",
    "total",
    "financial",
    "humanitarian",
    "military",
    "commitments",
    "to_be_allocated",
    "gdp",
    "pct_gdp",
)
NUMBERS: tuple[str, ...] = SERIES_COLUMNS[4:]
CITATION = (
    'Trebesch et al., "The Ukraine Support Tracker", Kiel Working Paper 2218; '
    "Kiel Institute for the World Economy"
)


@dataclass(frozen=True, slots=True)
class KielRelease:
    """A release of the tracker's aggregates: which release, the period it covers, and its monthly rows."""

    release: str
    period: str
    published_on: dt.date
    label: str
    months: tuple[KielMonth, ...]

    @property
    def release_id(self) -> str:
        """The id the release is stored under (`kiel-<release>`)."""
        return f"kiel-{self.release}"


def packaged_kiel_dir() -> Path:
    """The copy of the tracker's aggregates shipped with aidcoord (data/reference/kiel)."""
    return Path(str(resources.files("aidcoord") / "data" / "reference" / "kiel"))


def _rows(path: Path, columns: tuple[str, ...], problems: list[Problem]) -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV with their line numbers, after checking that it exists and has `columns`."""
    if not path.is_file():
        problems.append(Problem(f"missing: {path} is not a file", file=path.name))
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [c for c in columns if c not in header]
        for column in missing:
            problems.append(Problem("required column is missing", file=path.name, row=1, column=column))
        if missing:
            return []
        return [(reader.line_num, row) for row in reader]


def _read_release(path: Path, problems: list[Problem]) -> tuple[str, str, dt.date, str] | None:
    before = len(problems)
    rows = _rows(path, RELEASE_COLUMNS, problems)
    if len(rows) != 1:
        if len(problems) == before:
            problems.append(Problem(f"must hold exactly one release, found {len(rows)} rows", file=path.name))
        return None
    line, row = rows[0]
    for column in ("release", "period", "label"):
        if not (row.get(column) or "").strip():
            problems.append(Problem("must not be blank", file=path.name, row=line, column=column))
    release = (row.get("release") or "").strip()
    if release and not all(c.isalnum() or c in "-_." for c in release):
        problems.append(
            Problem(f"must be letters, digits, '-', '_' or '.', got {release!r}", path.name, line, "release")
        )
    try:
        published = dt.date.fromisoformat((row.get("date") or "").strip())
    except ValueError:
        problems.append(
            Problem(
                f"must be a date YYYY-MM-DD, got {row.get('date')!r}", file=path.name, row=line, column="date"
            )
        )
        return None
    if len(problems) > before:
        return None
    return release, row["period"].strip(), published, row["label"].strip()


def _number(row: dict[str, str], column: str, line: int, file: str, problems: list[Problem]) -> float:
    text = (row.get(column) or "").strip()
    try:
        value = float(text)
    except ValueError:
        problems.append(Problem(f"must be a number, got {text!r}", file=file, row=line, column=column))
        return math.nan
    if not math.isfinite(value):
        problems.append(Problem(f"must be a finite number, got {text!r}", file=file, row=line, column=column))
    return value


def _integer(
    row: dict[str, str], column: str, line: int, file: str, problems: list[Problem], low: int, high: int
) -> int:
    text = (row.get(column) or "").strip()
    try:
        value = int(text)
    except ValueError:
        problems.append(Problem(f"must be a whole number, got {text!r}", file=file, row=line, column=column))
        return 0
    if not low <= value <= high:
        problems.append(
            Problem(f"must be between {low} and {high}, got {value}", file=file, row=line, column=column)
        )
    return value


def _read_series(path: Path, problems: list[Problem]) -> list[KielMonth]:
    file = path.name
    months: list[KielMonth] = []
    seen: dict[tuple[str, int, int], int] = {}
    gdp_of: dict[str, tuple[float, int]] = {}
    for line, row in _rows(path, SERIES_COLUMNS, problems):
        before = len(problems)
        country, iso = (row.get("country") or "").strip(), (row.get("iso") or "").strip()
        if not country:
            problems.append(Problem("must not be blank", file=file, row=line, column="country"))
        if not iso or len(iso) > 8:
            problems.append(Problem(f"must be a code of 1 to 8 characters, got {iso!r}", file, line, "iso"))
        year = _integer(row, "year", line, file, problems, 1990, 2100)
        month = _integer(row, "month", line, file, problems, 1, 12)
        values = {column: _number(row, column, line, file, problems) for column in NUMBERS}
        if len(problems) > before:
            continue
        if values["gdp"] < 0:
            problems.append(Problem(f"must not be negative, got {values['gdp']}", file, line, "gdp"))
            continue
        key = (iso, year, month)
        if key in seen:
            problems.append(
                Problem(f"{iso} {year}-{month:02d} is already on row {seen[key]}", file, line, "month")
            )
            continue
        seen[key] = line
        # The tracker uses one GDP per country; burden shares divide by it, so a second one is an error.
        first = gdp_of.setdefault(iso, (values["gdp"], line))
        if first[0] != values["gdp"]:
            problems.append(
                Problem(
                    f"{iso} has GDP {first[0]} on row {first[1]}, here {values['gdp']}", file, line, "gdp"
                )
            )
            continue
        months.append(KielMonth(country=country, iso=iso, year=year, month=month, **values))
    if not months and path.is_file() and not problems:
        problems.append(Problem("holds no rows", file=file))
    return months


def read_kiel(directory: Path) -> KielRelease:
    """Read and check a folder of the tracker's aggregates; ValidationFailed lists every problem."""
    problems: list[Problem] = []
    if not directory.is_dir():
        raise ValidationFailed(f"{directory} is not a folder", [Problem("not a folder", file=str(directory))])
    release = _read_release(directory / RELEASE_FILE, problems)
    months = _read_series(directory / SERIES_FILE, problems)
    if problems:
        raise ValidationFailed(f"the Kiel folder {directory} is invalid: {len(problems)} problems", problems)
    assert release is not None  # no problems means the release row was read
    number, period, published, label = release
    return KielRelease(number, period, published, label, tuple(months))
