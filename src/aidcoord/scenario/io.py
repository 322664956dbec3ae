"""Read, validate and write Scenario Data Packages: `datapackage.json` plus one CSV per table.

`TABLES` is the one place the table layouts live (file, resource name, columns in DESIGN order,
types and value rules); reading, validating, writing and the database export all use it.

Validation collects every problem (file, row, column, what is wrong and what was found) instead of
stopping at the first. Rows are CSV line numbers with the header on line 1; for an in-memory
`Scenario` a row is the line the record would have in a CSV written in tuple order.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from aidcoord.errors import Problem, ValidationFailed
from aidcoord.scenario.model import (
    OFFER_STATUSES,
    SITE_KINDS,
    Course,
    Item,
    Lane,
    Nation,
    Offer,
    PlanningSettings,
    Requirement,
    Scenario,
    Site,
    SpecialtySubstitute,
    Substitute,
    TrainingNeed,
)

ColumnType = Literal["str", "int", "float", "bool"]

DATAPACKAGE = "datapackage.json"
PLANNING = "planning"
RESERVED_KEYS: tuple[str, ...] = ("name", "title", "resources", PLANNING)
"""Top-level keys of datapackage.json that aidcoord reads itself; every other key goes to `meta`."""

DEFAULT_LATENESS_DECAY = 0.1
DEFAULT_TRANSPORT_COST_WEIGHT = 0.0

MAX_INTEGER = 2_147_483_647
"""The largest whole number a package (or the API) may give: what a PostgreSQL `integer` column holds."""
MAX_FILE_BYTES = 64 * 1024 * 1024
"""The largest file of a package that is read (some 30 times the XL scenario's largest table)."""
NAME_LENGTH, TITLE_LENGTH = 200, 500
"""The package's name and title, as long as the database keeps them."""

_FRICTIONLESS_TYPES: Mapping[str, str] = {
    "str": "string",
    "int": "integer",
    "float": "number",
    "bool": "boolean",
}
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class Column:
    """One column: name, type, what a valid value is (`rule`, for messages) and the test for it.

    `optional` columns may be blank (read as None). `references` names the resource whose id the
    value must be; `site_kind` additionally requires the referenced site to be of that kind.
    """

    name: str
    type: ColumnType
    rule: str
    check: Callable[[Any], bool] | None = None
    optional: bool = False
    references: str | None = None
    site_kind: str | None = None
    max_length: int | None = None
    """Text: the most characters, as many as the database column holds."""

    @property
    def frictionless_type(self) -> str:
        """The Frictionless Table Schema type of this column (integer, number, string, boolean)."""
        return _FRICTIONLESS_TYPES[self.type]


@dataclass(frozen=True, slots=True)
class Table:
    """One table of the package: resource name (= `Scenario` attribute), CSV file, row type, columns."""

    resource: str
    file: str
    row_type: type[Any]
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = True

    @property
    def column_names(self) -> tuple[str, ...]:
        """The standard column names, in DESIGN order."""
        return tuple(c.name for c in self.columns)

    @property
    def has_id(self) -> bool:
        """Whether the key is a single id column (rather than a pair such as a lane's from/to)."""
        return len(self.key) == 1


def _id(
    name: str, references: str | None = None, site_kind: str | None = None, *, max_length: int = 64
) -> Column:
    """A non-empty id column, optionally a reference to another table's id."""
    return Column(
        name,
        "str",
        "a non-empty id",
        _non_empty,
        references=references,
        site_kind=site_kind,
        max_length=max_length,
    )


def _nation(name: str, references: str | None = None) -> Column:
    """A nation id: at most 16 characters (ISO codes and the like)."""
    return _id(name, references, max_length=16)


def _text(name: str, max_length: int = 200) -> Column:
    """A free-text column."""
    return Column(name, "str", "text", max_length=max_length)


def _non_empty(value: Any) -> bool:
    """True for text that is not blank."""
    return isinstance(value, str) and value.strip() != ""


def _int(name: str, minimum: int, rule: str | None = None) -> Column:
    """An integer column with a lower bound."""
    return Column(name, "int", rule or f"an integer ≥ {minimum}", lambda v: v >= minimum)


def _count(name: str) -> Column:
    """A count of units, seats or people: an integer > 0."""
    return _int(name, 1, "an integer > 0")


def _number(name: str, low: float, high: float | None = None, *, strict: bool = False) -> Column:
    """A number column within bounds (`strict`: strictly above `low`)."""
    if high is not None:
        return Column(name, "float", f"a number in [{low:g}, {high:g}]", lambda v: low <= v <= high)
    if strict:
        return Column(name, "float", f"a number > {low:g}", lambda v: v > low)
    return Column(name, "float", f"a number ≥ {low:g}", lambda v: v >= low)


def _optional_number(name: str, low: float, high: float | None = None, *, strict: bool = False) -> Column:
    """Like `_number`, but blank (None) is allowed."""
    base = _number(name, low, high, strict=strict)
    return Column(name, "float", f"{base.rule} or blank", base.check, optional=True)


TABLES: tuple[Table, ...] = (
    Table(
        "nations",
        "nations.csv",
        Nation,
        (
            _nation("nation_id"),
            _text("name"),
            _optional_number("gdp_usd_bn", 0),
            _optional_number("defence_pct_gdp", 0, 100),
            Column("nato_member", "bool", "true or false"),
        ),
        ("nation_id",),
    ),
    Table(
        "sites",
        "sites.csv",
        Site,
        (
            _id("site_id"),
            _text("name"),
            Column("kind", "str", f"one of {', '.join(SITE_KINDS)}", lambda v: v in SITE_KINDS),
            _nation("nation_id", "nations"),
            _number("lat", -90, 90),
            _number("lon", -180, 180),
            _optional_number("throughput_t_per_week", 0, strict=True),
        ),
        ("site_id",),
    ),
    Table(
        "lanes",
        "lanes.csv",
        Lane,
        (
            _id("from_site_id", "sites"),
            _id("to_site_id", "sites"),
            _text("mode", 32),
            _int("lead_time_weeks", 0),
            _number("cost_eur_per_t", 0),
        ),
        ("from_site_id", "to_site_id"),
    ),
    Table(
        "items",
        "items.csv",
        Item,
        (
            _id("item_id"),
            _text("name"),
            _text("category", 64),
            _text("capability", 64),
            _text("unit", 32),
            _number("unit_mass_kg", 0, strict=True),
            _number("unit_value_eur", 0),
        ),
        ("item_id",),
    ),
    Table(
        "substitutes",
        "substitutes.csv",
        Substitute,
        (_id("item_id", "items"), _id("substitute_item_id", "items")),
        ("item_id", "substitute_item_id"),
    ),
    Table(
        "requirements",
        "requirements.csv",
        Requirement,
        (
            _id("requirement_id"),
            _id("item_id", "items"),
            _count("quantity"),
            _int("priority", 1),
            _number("weight", 0, strict=True),
            _int("due_week", 0),
            _id("delivery_site_id", "sites", "delivery"),
        ),
        ("requirement_id",),
    ),
    Table(
        "offers",
        "offers.csv",
        Offer,
        (
            _id("offer_id"),
            _nation("nation_id", "nations"),
            _id("item_id", "items"),
            _count("quantity"),
            _int("available_week", 0),
            _id("origin_site_id", "sites", "depot"),
            Column("status", "str", f"one of {', '.join(OFFER_STATUSES)}", lambda v: v in OFFER_STATUSES),
        ),
        ("offer_id",),
    ),
    Table(
        "courses",
        "courses.csv",
        Course,
        (
            _id("course_id"),
            _nation("nation_id", "nations"),
            _text("specialty", 64),
            _count("seats"),
            _int("start_week", 0),
            _int("duration_weeks", 1),
            _id("site_id", "sites"),
        ),
        ("course_id",),
        required=False,
    ),
    Table(
        "training_needs",
        "training_needs.csv",
        TrainingNeed,
        (
            _id("need_id"),
            _text("specialty", 64),
            _count("trainees"),
            _int("priority", 1),
            _number("weight", 0, strict=True),
            _int("due_week", 0),
        ),
        ("need_id",),
        required=False,
    ),
    Table(
        "specialty_substitutes",
        "specialty_substitutes.csv",
        SpecialtySubstitute,
        (_id("specialty"), _id("substitute_specialty")),
        ("specialty", "substitute_specialty"),
        required=False,
    ),
)

TABLES_BY_RESOURCE: Mapping[str, Table] = {t.resource: t for t in TABLES}

_HORIZON_COLUMNS: Mapping[str, str] = {
    "requirements": "due_week",
    "training_needs": "due_week",
    "courses": "start_week",
}
"""Week columns that must fall inside the planning horizon (0 ≤ week < T)."""


# --- values ----------------------------------------------------------------------------------------


def format_value(value: Any) -> str:
    """The CSV text of a value: None → "", bools true/false, integral floats as ints, else repr."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _type_ok(column: Column, value: Any) -> bool:
    """Whether an in-memory value has the column's Python type."""
    if column.type == "str":
        return isinstance(value, str)
    if column.type == "bool":
        return isinstance(value, bool)
    if column.type == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _limit_problem(column: Column, value: Any) -> str | None:
    """What a typed value breaks of the limits every column has: storable text, length, integer range."""
    if isinstance(value, str):
        if "\x00" in value:
            return f"{column.name} may not contain the NUL character (U+0000)"
        if column.max_length is not None and len(value) > column.max_length:
            return f"{column.name} must be at most {column.max_length} characters, got {len(value)}"
    elif (
        isinstance(value, int)
        and not isinstance(value, bool)
        and not -MAX_INTEGER - 1 <= value <= MAX_INTEGER
    ):
        return f"{column.name} must lie between {-MAX_INTEGER - 1} and {MAX_INTEGER}"
    return None


def _text_limit(name: str, value: str, max_length: int) -> str | None:
    """What a text value outside the tables breaks of the limits of text."""
    return _limit_problem(Column(name, "str", "text", max_length=max_length), value)


def _cell_problem(column: Column, value: Any) -> str | None:
    """What is wrong with one typed value of a column, or None."""
    if value is None:
        return None if column.optional else f"{column.name} must be {column.rule}, got ''"
    if not _type_ok(column, value):
        return f"{column.name} must be {column.rule}, got {value!r} ({type(value).__name__})"
    limit = _limit_problem(column, value)
    if limit is not None:
        return limit
    if column.check is not None and not column.check(value):
        return f"{column.name} must be {column.rule}, got '{format_value(value)}'"
    return None


def _parse_cell(column: Column, text: str) -> tuple[Any, str | None]:
    """Text from a CSV cell → (typed value, None), or (None, what is wrong)."""
    bad = f"{column.name} must be {column.rule}, got {text!r}"
    if column.type == "str":
        value: Any = text
    else:
        stripped = text.strip()
        if stripped == "" and column.optional:
            return None, None
        if column.type == "int":
            if not _INT.fullmatch(stripped):
                return None, bad
            if len(stripped.lstrip("+-")) > len(str(MAX_INTEGER)):
                # Also keeps int() away from Python's limit on the digits it converts.
                return None, f"{column.name} must be at most {MAX_INTEGER}, got {len(stripped)} digits"
            value = int(stripped)
        elif column.type == "float":
            if not _FLOAT.fullmatch(stripped):
                return None, bad
            value = float(stripped)
            if not math.isfinite(value):
                return None, bad
        else:
            lowered = stripped.lower()
            if lowered not in ("true", "false"):
                return None, bad
            value = lowered == "true"
    problem = _cell_problem(column, value)
    if problem is not None:
        return None, _limit_problem(column, value) or bad
    return value, None


# --- rules on whole rows and across tables ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Rows:
    """One table's rows as read: built records with their row numbers, plus what could not be built."""

    records: Sequence[tuple[int, Any]]
    unbuilt_ids: Sequence[tuple[int, str]] = ()
    """(row, id) of rows whose id is fine but which could not be built; they still count as existing."""
    readable: bool = True
    """False when the table could not be read at all: references into it are not checked."""


def _settings_problems(settings: PlanningSettings) -> list[Problem]:
    """What is wrong with the planning block's values."""
    out: list[Problem] = []

    def bad(key: str, message: str) -> None:
        out.append(Problem(message, DATAPACKAGE, None, f"{PLANNING}.{key}"))

    start = settings.start_date
    if not isinstance(start, dt.date):
        bad("start_date", f"start_date must be a date YYYY-MM-DD, got {start!r}")
    elif start.weekday() != 0:
        bad(
            "start_date",
            f"start_date must be a Monday, got '{start.isoformat()}' (a {_WEEKDAYS[start.weekday()]})",
        )
    horizon = settings.horizon_weeks
    if not isinstance(horizon, int) or isinstance(horizon, bool) or horizon < 1:
        bad("horizon_weeks", f"horizon_weeks must be an integer ≥ 1, got {horizon!r}")
    decay = settings.lateness_decay_per_week
    if not _is_number(decay) or not 0 <= decay <= 1:
        bad("lateness_decay_per_week", f"lateness_decay_per_week must be a number in [0, 1], got {decay!r}")
    weight = settings.transport_cost_weight
    if not _is_number(weight) or weight < 0:
        bad("transport_cost_weight", f"transport_cost_weight must be a number ≥ 0, got {weight!r}")
    return out


def _is_number(value: Any) -> bool:
    """A finite int or float, not a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _row_problems(table: Table, file: str, row: int, record: Any, horizon: int | None) -> list[Problem]:
    """Rules spanning a row's columns or needing the settings: hub throughput, horizon, self-substitute."""
    out: list[Problem] = []
    if isinstance(record, Site):
        throughput = record.throughput_t_per_week
        if record.kind == "hub" and throughput is None:
            out.append(
                Problem(
                    "a hub must have throughput_t_per_week > 0, got ''", file, row, "throughput_t_per_week"
                )
            )
        elif record.kind != "hub" and throughput is not None:
            out.append(
                Problem(
                    f"only a hub has a throughput; leave it blank for a {record.kind}, "
                    f"got '{format_value(throughput)}'",
                    file,
                    row,
                    "throughput_t_per_week",
                )
            )
    elif isinstance(record, Substitute) and record.item_id == record.substitute_item_id:
        out.append(
            Problem(
                f"an item cannot be its own substitute, got '{record.item_id}'",
                file,
                row,
                "substitute_item_id",
            )
        )
    elif isinstance(record, SpecialtySubstitute) and record.specialty == record.substitute_specialty:
        out.append(
            Problem(
                f"a specialty cannot be its own substitute, got '{record.specialty}'",
                file,
                row,
                "substitute_specialty",
            )
        )
    week_column = _HORIZON_COLUMNS.get(table.resource)
    if week_column is not None and horizon is not None:
        week = getattr(record, week_column)
        if _is_number(week) and week >= horizon:
            out.append(
                Problem(
                    f"{week_column} must be < horizon_weeks ({horizon}), got '{format_value(week)}'",
                    file,
                    row,
                    week_column,
                )
            )
    extra = record.extra
    for key in extra:
        if not isinstance(key, str) or key.strip() == "" or key in table.column_names:
            out.append(Problem(f"extra column name {key!r} is empty or a standard column", file, row, None))
        elif not isinstance(extra[key], str):
            out.append(Problem(f"extra column {key} must hold text, got {extra[key]!r}", file, row, key))
    return out


def _cross_problems(tables: Mapping[str, _Rows], files: Mapping[str, str]) -> list[Problem]:
    """Duplicates, references between tables, and the kinds of the sites referred to."""
    out: list[Problem] = []
    known: dict[str, set[str]] = {}
    site_kind: dict[str, str] = {}
    for table in TABLES:
        rows = tables[table.resource]
        file = files[table.resource]
        first: dict[tuple[Any, ...], int] = {}
        keyed: list[tuple[int, tuple[Any, ...]]] = [
            (row, tuple(getattr(record, k) for k in table.key)) for row, record in rows.records
        ]
        keyed.extend((row, (key,)) for row, key in rows.unbuilt_ids)
        keyed.sort(key=lambda rk: rk[0])
        for row, key in keyed:
            if key in first:
                what = f"{table.key[0]} '{key[0]}'" if table.has_id else _pair(table, key)
                out.append(
                    Problem(
                        f"duplicate {what} (first on row {first[key]})",
                        file,
                        row,
                        table.key[0] if table.has_id else None,
                    )
                )
            else:
                first[key] = row
        if table.has_id:
            known[table.resource] = {key[0] for key in first}
        if table.resource == "sites":
            site_kind = {record.site_id: record.kind for _, record in rows.records}
    for table in TABLES:
        rows = tables[table.resource]
        file = files[table.resource]
        for column in table.columns:
            target = column.references
            if target is None or not tables[target].readable:
                continue
            noun = target[:-1]
            for row, record in rows.records:
                value = getattr(record, column.name)
                if value not in known[target]:
                    out.append(
                        Problem(f"unknown {noun} '{value}' (not in {files[target]})", file, row, column.name)
                    )
                elif (
                    column.site_kind is not None
                    and value in site_kind
                    and site_kind[value] != column.site_kind
                ):
                    out.append(
                        Problem(
                            f"{column.name} must be a site of kind {column.site_kind}, "
                            f"got '{value}' of kind {site_kind[value]}",
                            file,
                            row,
                            column.name,
                        )
                    )
        if table.resource == "lanes":
            out.extend(_lane_kind_problems(rows, file, site_kind))
    return out


def _pair(table: Table, key: tuple[Any, ...]) -> str:
    """A two-column key in words: `lane 'A'→'B'`."""
    noun = {"lanes": "lane", "specialty_substitutes": "specialty substitute pair"}.get(
        table.resource, "substitute pair"
    )
    return f"{noun} '{key[0]}'→'{key[1]}'"


def _lane_kind_problems(rows: _Rows, file: str, site_kind: Mapping[str, str]) -> list[Problem]:
    """A lane runs depot→hub or hub→delivery; anything else is a problem."""
    out: list[Problem] = []
    for row, lane in rows.records:
        a, b = site_kind.get(lane.from_site_id), site_kind.get(lane.to_site_id)
        if a is None or b is None or (a, b) in (("depot", "hub"), ("hub", "delivery")):
            continue
        column = "from_site_id" if a not in ("depot", "hub") else "to_site_id"
        out.append(
            Problem(
                f"a lane must run depot→hub or hub→delivery, got {a}→{b} "
                f"('{lane.from_site_id}'→'{lane.to_site_id}')",
                file,
                row,
                column,
            )
        )
    return out


def _table_problems(
    tables: Mapping[str, _Rows], files: Mapping[str, str], horizon: int | None, *, cells: bool
) -> list[Problem]:
    """Row rules (and, with `cells`, each value's rule) for every built record, then the cross-table rules."""
    out: list[Problem] = []
    for table in TABLES:
        file = files[table.resource]
        for row, record in tables[table.resource].records:
            if cells:
                for column in table.columns:
                    message = _cell_problem(column, getattr(record, column.name))
                    if message is not None:
                        out.append(Problem(message, file, row, column.name))
            out.extend(_row_problems(table, file, row, record, horizon))
    out.extend(_cross_problems(tables, files))
    return out


def validate_scenario(scenario: Scenario) -> list[Problem]:
    """Every problem with an in-memory scenario: settings, values, references, duplicates, kinds, horizon."""
    problems: list[Problem] = []
    if not isinstance(scenario.name, str) or scenario.name.strip() == "":
        problems.append(
            Problem(f"name must be non-empty text, got {scenario.name!r}", DATAPACKAGE, None, "name")
        )
    problems.extend(_settings_problems(scenario.settings))
    horizon = scenario.settings.horizon_weeks
    usable_horizon = horizon if isinstance(horizon, int) and not isinstance(horizon, bool) else None
    tables = {
        t.resource: _Rows([(i + 2, r) for i, r in enumerate(getattr(scenario, t.resource))]) for t in TABLES
    }
    files = {t.resource: t.file for t in TABLES}
    problems.extend(_table_problems(tables, files, usable_horizon, cells=True))
    return _sorted(problems, files)


def _sorted(problems: Iterable[Problem], files: Mapping[str, str]) -> list[Problem]:
    """Problems in package order: datapackage.json, then the tables in TABLES order, by row."""
    order = {DATAPACKAGE: 0} | {file: i + 1 for i, file in enumerate(files.values())}
    return sorted(problems, key=lambda p: (order.get(p.file or "", len(order)), p.row or 0))


# --- reading ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Header:
    """The parsed datapackage.json: what it says, and where each table's CSV is."""

    name: str = ""
    title: str = ""
    settings: PlanningSettings | None = None
    meta: dict[str, Any] | None = None
    paths: dict[str, str] | None = None
    horizon: int | None = None
    """The horizon when it is valid, even if other planning keys are not (for the week checks)."""


def _read_datapackage(folder: Path, problems: list[Problem]) -> _Header | None:
    """Parse and check datapackage.json; None when there is nothing more to read."""

    def bad(message: str, column: str | None = None) -> None:
        problems.append(Problem(message, DATAPACKAGE, None, column))

    target = folder / DATAPACKAGE
    if not folder.is_dir():
        bad(f"{folder} is not a folder")
        return None
    if not target.is_file():
        bad(f"{DATAPACKAGE} not found in {folder}")
        return None
    too_big = _too_big(target)
    if too_big is not None:
        bad(too_big)
        return None
    try:
        doc = json.loads(target.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        bad(f"{DATAPACKAGE} is not UTF-8: {exc.reason} at byte {exc.start}")
        return None
    except json.JSONDecodeError as exc:
        bad(f"{DATAPACKAGE} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")
        return None
    except (RecursionError, ValueError) as exc:  # nesting or a number too deep or long to read
        bad(f"{DATAPACKAGE} is not readable JSON: {exc}")
        return None
    if not isinstance(doc, dict):
        bad(f"{DATAPACKAGE} must hold a JSON object, got {type(doc).__name__}")
        return None
    header = _Header(meta={k: v for k, v in doc.items() if k not in RESERVED_KEYS})
    name = doc.get("name")
    if not isinstance(name, str) or name.strip() == "":
        bad(f"name must be non-empty text, got {name!r}"[:300], "name")
    elif (limit := _text_limit("name", name, NAME_LENGTH)) is not None:
        bad(limit, "name")
    else:
        header.name = name
    title = doc.get("title", "")
    if not isinstance(title, str):
        bad(f"title must be text, got {title!r}"[:300], "title")
    elif (limit := _text_limit("title", title, TITLE_LENGTH)) is not None:
        bad(limit, "title")
    else:
        header.title = title
    header.settings = _read_planning(doc.get(PLANNING), problems)
    planning = doc.get(PLANNING)
    horizon = planning.get("horizon_weeks") if isinstance(planning, dict) else None
    if isinstance(horizon, int) and not isinstance(horizon, bool) and horizon >= 1:
        header.horizon = horizon
    header.paths = _read_resources(doc.get("resources"), folder, problems)
    return header


def _read_planning(block: Any, problems: list[Problem]) -> PlanningSettings | None:
    """The planning block → settings, or None (with problems) when it is missing or wrong."""

    def bad(message: str, key: str | None = None) -> None:
        problems.append(Problem(message, DATAPACKAGE, None, f"{PLANNING}.{key}" if key else PLANNING))

    if block is None:
        bad("missing planning block (start_date, horizon_weeks, …)")
        return None
    if not isinstance(block, dict):
        bad(f"planning must be a JSON object, got {block!r}")
        return None
    before = len(problems)
    for key in sorted(
        set(block) - {"start_date", "horizon_weeks", "lateness_decay_per_week", "transport_cost_weight"}
    ):
        bad(f"unknown planning key {key!r}", key)
    start: Any = block.get("start_date")
    if start is None:
        bad("missing planning.start_date (YYYY-MM-DD, a Monday)", "start_date")
    elif not isinstance(start, str) or not _DATE.fullmatch(start):
        bad(f"start_date must be a date YYYY-MM-DD, got {start!r}", "start_date")
        start = None
    else:
        try:
            start = dt.date.fromisoformat(start)
        except ValueError:
            bad(f"start_date must be a date YYYY-MM-DD, got {start!r}", "start_date")
            start = None
    horizon = block.get("horizon_weeks")
    if horizon is None:
        bad("missing planning.horizon_weeks (an integer ≥ 1)", "horizon_weeks")
    decay = block.get("lateness_decay_per_week", DEFAULT_LATENESS_DECAY)
    weight = block.get("transport_cost_weight", DEFAULT_TRANSPORT_COST_WEIGHT)
    settings = PlanningSettings(
        start_date=start if isinstance(start, dt.date) else dt.date(2001, 1, 1),
        horizon_weeks=horizon if horizon is not None else 1,
        lateness_decay_per_week=float(decay) if _is_number(decay) else decay,
        transport_cost_weight=float(weight) if _is_number(weight) else weight,
    )
    problems.extend(_settings_problems(settings))
    return settings if len(problems) == before else None


def _read_resources(resources: Any, folder: Path, problems: list[Problem]) -> dict[str, str] | None:
    """Resource name → path for aidcoord's tables; checks names, paths and any embedded schemas."""

    def bad(message: str, column: str | None = "resources") -> None:
        problems.append(Problem(message, DATAPACKAGE, None, column))

    if not isinstance(resources, list):
        bad(f"resources must be a list of {{name, path}}, got {resources!r}")
        return None
    paths: dict[str, str] = {}
    reported: set[str] = set()
    for i, resource in enumerate(resources):
        if not isinstance(resource, dict):
            bad(f"resources[{i}] must be an object with name and path, got {resource!r}")
            continue
        name, path = resource.get("name"), resource.get("path")
        if not isinstance(name, str) or name not in TABLES_BY_RESOURCE:
            continue  # another resource: not aidcoord's business
        if name in paths or name in reported:
            bad(f"resource '{name}' is listed twice")
            continue
        if not isinstance(path, str) or not _safe_path(path):
            bad(f"resource '{name}' must have a relative path inside the package, got {path!r}")
            reported.add(name)
            continue
        paths[name] = path
        _schema_problems(TABLES_BY_RESOURCE[name], resource.get("schema"), problems)
    for table in TABLES:
        if table.required and table.resource not in paths and table.resource not in reported:
            bad(f"no resource named '{table.resource}' (the required table {table.file})")
    return paths


def _safe_path(path: str) -> bool:
    """A relative POSIX path that stays inside the package folder."""
    pure = PurePosixPath(path)
    return path != "" and not pure.is_absolute() and ".." not in pure.parts and "\\" not in path


def _schema_problems(table: Table, schema: Any, problems: list[Problem]) -> None:
    """An embedded Table Schema must give our columns the types aidcoord reads them as."""
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        return
    columns = {c.name: c for c in table.columns}
    for field_ in schema["fields"]:
        if not isinstance(field_, dict) or field_.get("name") not in columns:
            continue
        column = columns[field_["name"]]
        declared = field_.get("type", "string")
        if declared != column.frictionless_type:
            problems.append(
                Problem(
                    f"resource '{table.resource}': embedded schema gives {column.name} type {declared!r}, "
                    f"aidcoord reads it as '{column.frictionless_type}'",
                    DATAPACKAGE,
                    None,
                    column.name,
                )
            )


def _too_big(target: Path) -> str | None:
    """Why a file is not read for its size, or None."""
    size = target.stat().st_size
    if size > MAX_FILE_BYTES:
        return f"{target.name} is {size} bytes, more than the {MAX_FILE_BYTES} bytes a package file may have"
    return None


def _read_table(table: Table, folder: Path, path: str, problems: list[Problem]) -> _Rows:
    """Parse one CSV: build every row whose values are all valid; report the rest, row by row."""
    target = folder / path
    if not target.is_file():
        problems.append(Problem(f"file not found: {path} (resource '{table.resource}')", path, None, None))
        return _Rows((), readable=False)
    if not target.resolve().is_relative_to(folder.resolve()):
        # A link inside the package that points elsewhere reads a file the package does not hold.
        problems.append(Problem(f"{path} leads outside the package folder (a link?)", path, None, None))
        return _Rows((), readable=False)
    too_big = _too_big(target)
    if too_big is not None:
        problems.append(Problem(too_big, path, None, None))
        return _Rows((), readable=False)
    raw = target.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        problems.append(
            Problem(f"not UTF-8: {exc.reason} at byte {exc.start} (line {line})", path, None, None)
        )
        return _Rows((), readable=False)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        records = _numbered(reader)
    except csv.Error as exc:
        problems.append(
            Problem(f"not a readable CSV: {exc} (line {reader.line_num})", path, reader.line_num, None)
        )
        return _Rows((), readable=False)
    if not records:
        problems.append(Problem("empty file: no header row", path, 1, None))
        return _Rows((), readable=False)
    header_row, header = records[0]
    index: dict[str, int] = {}
    for position, name in enumerate(header):
        if name in index:
            problems.append(Problem(f"column {name!r} appears twice in the header", path, header_row, name))
        else:
            index[name] = position
    missing = [c.name for c in table.columns if c.name not in index]
    for name in missing:
        problems.append(Problem(f"missing column {name}", path, header_row, name))
    extra_names = [name for name in header if name not in table.column_names]
    built: list[tuple[int, Any]] = []
    unbuilt: list[tuple[int, str]] = []
    id_column = table.columns[0] if table.has_id else None
    for row, record in records[1:]:
        if len(record) != len(header):
            problems.append(
                Problem(
                    f"row has {len(record)} values but the header has {len(header)} columns", path, row, None
                )
            )
            ok = False
            values: dict[str, Any] = {}
        else:
            ok = not missing
            values = {}
            for column in table.columns:
                if column.name not in index:
                    continue
                value, message = _parse_cell(column, record[index[column.name]])
                if message is not None:
                    problems.append(Problem(message, path, row, column.name))
                    ok = False
                values[column.name] = value
        if ok:
            extra = {name: record[index[name]] for name in extra_names}
            built.append((row, table.row_type(**values, extra=extra)))
        elif id_column is not None and id_column.name in index and index[id_column.name] < len(record):
            ident = record[index[id_column.name]]
            if _non_empty(ident):
                unbuilt.append((row, ident))
    return _Rows(built, unbuilt, readable=True)


def _numbered(reader: Any) -> list[tuple[int, list[str]]]:
    """CSV records with the line each starts on, blank lines skipped."""
    out: list[tuple[int, list[str]]] = []
    end = 0
    for record in reader:
        start, end = end + 1, reader.line_num
        if record:
            out.append((start, record))
    return out


def _load(path: Path) -> tuple[Scenario | None, list[Problem]]:
    """Read and check a whole package: the scenario when it is valid, and every problem found."""
    path = Path(path)
    problems: list[Problem] = []
    header = _read_datapackage(path, problems)
    if header is None:
        return None, problems
    files = {t.resource: t.file for t in TABLES}
    tables: dict[str, _Rows] = {}
    for table in TABLES:
        where = (header.paths or {}).get(table.resource)
        if where is None:
            readable = table.required is False and header.paths is not None
            tables[table.resource] = _Rows((), readable=readable)
            continue
        files[table.resource] = where
        tables[table.resource] = _read_table(table, path, where, problems)
    problems.extend(_table_problems(tables, files, header.horizon, cells=False))
    problems = _sorted(problems, files)
    if problems or header.settings is None:
        return None, problems

    def rows(resource: str) -> tuple[Any, ...]:
        return tuple(record for _, record in tables[resource].records)

    scenario = Scenario(
        name=header.name,
        settings=header.settings,
        nations=rows("nations"),
        sites=rows("sites"),
        lanes=rows("lanes"),
        items=rows("items"),
        substitutes=rows("substitutes"),
        requirements=rows("requirements"),
        offers=rows("offers"),
        courses=rows("courses"),
        training_needs=rows("training_needs"),
        specialty_substitutes=rows("specialty_substitutes"),
        title=header.title,
        meta=header.meta or {},
    )
    return scenario, problems


def validate_package(path: Path) -> list[Problem]:
    """Every problem with the package folder at `path` (empty when it is valid)."""
    return _load(path)[1]


def read_package(path: Path) -> Scenario:
    """Read a package folder; raises ValidationFailed listing every problem when it is invalid."""
    scenario, problems = _load(path)
    if scenario is None:
        raise ValidationFailed(f"scenario package {path} is invalid: {len(problems)} problems", problems)
    return scenario


# --- writing ---------------------------------------------------------------------------------------


def sort_key(table: Table, record: Any) -> tuple[str, ...]:
    """The order rows are written in: by id (lanes by from, to; substitutes by item, substitute)."""
    return tuple(str(getattr(record, k)) for k in table.key)


def canonical(scenario: Scenario) -> Scenario:
    """The scenario with every table in write order, so that `read_package(write_package(s)) == s`."""
    tables: dict[str, Any] = {
        t.resource: tuple(sorted(getattr(scenario, t.resource), key=_sorter(t))) for t in TABLES
    }
    return dataclasses.replace(scenario, **tables)


def _sorter(table: Table) -> Callable[[Any], tuple[str, ...]]:
    """The sort key function for a table's rows."""
    return lambda record: sort_key(table, record)


def table_csv(table: Table, records: Sequence[Any]) -> bytes:
    """One table as CSV bytes: standard columns then extra columns (alphabetical), rows in key order."""
    extras = sorted({key for record in records for key in record.extra})
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*table.column_names, *extras])
    for record in sorted(records, key=_sorter(table)):
        writer.writerow(
            [format_value(getattr(record, name)) for name in table.column_names]
            + [record.extra.get(key, "") for key in extras]
        )
    return buffer.getvalue().encode("utf-8")


def datapackage_json(scenario: Scenario) -> bytes:
    """The datapackage.json of a scenario: sorted keys, indent 2, trailing newline."""
    resources = [
        {"name": t.resource, "path": t.file} for t in TABLES if t.required or getattr(scenario, t.resource)
    ]
    s = scenario.settings
    doc: dict[str, Any] = dict(scenario.meta)
    doc["name"] = scenario.name
    if scenario.title:
        doc["title"] = scenario.title
    doc["resources"] = resources
    doc[PLANNING] = {
        "start_date": s.start_date.isoformat(),
        "horizon_weeks": s.horizon_weeks,
        "lateness_decay_per_week": s.lateness_decay_per_week,
        "transport_cost_weight": s.transport_cost_weight,
    }
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def package_files(scenario: Scenario) -> dict[str, bytes]:
    """The files of `scenario`'s package by name; the same scenario always gives the same bytes."""
    files: dict[str, bytes] = {}
    for table in TABLES:
        records = getattr(scenario, table.resource)
        if table.required or records:
            files[table.file] = table_csv(table, records)
    files[DATAPACKAGE] = datapackage_json(scenario)
    return files


def write_package(scenario: Scenario, path: Path) -> None:
    """Write `scenario` as a package folder; the same scenario always gives the same bytes."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    for name, content in package_files(scenario).items():
        (path / name).write_bytes(content)


RECORD_SETTINGS = PlanningSettings(start_date=dt.date(2001, 1, 1), horizon_weeks=1)
"""Valid settings (2001-01-01 is a Monday) for checking single records that carry no weeks."""


def record_problems(
    resource: str,
    record: Any,
    *,
    settings: PlanningSettings = RECORD_SETTINGS,
    skip: Iterable[str] = (),
    **context: Sequence[Any],
) -> list[Problem]:
    """What the package's rules say about one record of table `resource`, given the rows it refers to.

    The problems carry the column only (no file or row): the caller names the record. `context` maps
    other resources to the rows the record refers to; `skip` drops problems on those columns.
    """
    tables: dict[str, Any] = {t.resource: () for t in TABLES} | {k: tuple(v) for k, v in context.items()}
    tables[resource] = (record,)
    scenario = Scenario(name="record", settings=settings, **tables)
    file, skipped = TABLES_BY_RESOURCE[resource].file, set(skip)
    return [
        Problem(p.message, column=p.column)
        for p in validate_scenario(scenario)
        if p.file == file and p.column not in skipped
    ]
