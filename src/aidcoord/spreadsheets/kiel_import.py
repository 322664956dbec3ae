"""Import offers from a Kiel-tracker-style sheet: one row per announced item, mapped to nations and items.

The sheet is the workbook's first worksheet. Its header row is the first of its first ten non-blank
rows that names at least three known columns (else the first non-blank row); headers match
case-insensitively, with `_` read as a space, under these names:

- donor: Donor, Country, Donor country, Nation — a nation id (ISO3) or name of the loaded scenario;
- date: Announcement date, Date, Announced on — a date cell, or text YYYY-MM-DD or DD.MM.YYYY;
- measure: Measure, Type — `Commitment` (pledged: the offer is `announced`) or `Allocation` (specified for
  delivery: the offer is announced and then `committed`, each step through the offers service);
- item: Item, Equipment, Item name — a catalogue item id or name (case and spacing ignored, and a plural
  `s` on any word);
- quantity: Quantity, Units, Qty — a whole number ≥ 1;
- value (optional): Value, Value (EUR), Value EUR, Value in EUR — EUR ≥ 0; blank: computed from the
  catalogue's unit value;
- origin (optional): Origin, Origin depot, Depot — a depot's site id.

Derived: the origin is the donor's own depot with the lowest id unless the row names one (a donor
without a depot and no origin is not recognised); the week available is the week of the announcement
date counted from the scenario's start date (week 0; a date before the start is week 0); the source is
"<file>, row <n>", announced_on the date, value_eur the value, valuation_method the one given (default
`market`: the tracker values items at donors' stated or market prices).

An offer's id is `OFF-K` and ten hex digits of a digest of what the row says once mapped (nation, date,
measure, item, quantity, value, origin), independent of its row number: importing the same rows again,
or the sheet with some rows corrected, creates only what is new; rows already imported are reported as
`exists` with their offer, and a row repeating an earlier one of the same sheet is not recognised.

Every row gets an outcome: `created` (or `would_create` on a dry run) with its offer id, `exists`, or
`not_recognised` with each problem's column (as the sheet names it), value and reason. The recognised
rows are imported all or nothing, in the caller's transaction, each through `offers.announce` (and
`offers.commit`), so each offer is audited; one `offers.import` record sums the import up. Rows not
recognised do not block the others unless `strict`. A file that is not a readable XLSX, too large, or
lacks a required column is refused as a whole (ValidationFailed, 413 for size) and nothing is written.

Who may import: coordinators, and a nation's officers for their own nation's rows (other donors' rows
are not recognised for them) — the offers service's own rule.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import math
import re
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.orm import Session

from aidcoord.access.actor import Actor, require_role
from aidcoord.audit import service as audit
from aidcoord.catalog import service as catalog
from aidcoord.dataset import service as dataset
from aidcoord.errors import DomainError, Problem, ValidationFailed
from aidcoord.nations import service as nations
from aidcoord.offers import service as offers
from aidcoord.sites import service as sites

MAX_FILE_BYTES = 5 * 1024 * 1024
"""The largest file accepted (5 MiB: room for formatting and long notes beside MAX_ROWS rows)."""
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
"""The most an XLSX (a ZIP archive) may unpack to, so that a small file cannot expand without bound."""
MAX_ROWS = 2_000
"""The last row (as the spreadsheet numbers it, header included) that may hold data.

Each offer goes through the offers service (announce, maybe commit, each audited): some 10–20 ms a
row on SQLite, so a full sheet imports in well under a minute inside one request.
"""
MAX_COLUMNS = 64
HEADER_SEARCH_ROWS = 10
MAX_QUANTITY = 1_000_000_000
MAX_VALUE_EUR = 1e13
DEFAULT_FILE_NAME = "upload.xlsx"

FIELDS: dict[str, tuple[str, ...]] = {
    "donor": ("donor", "country", "donor country", "nation", "donor nation"),
    "date": ("announcement date", "date", "announced on", "date of announcement", "announced"),
    "measure": ("measure", "type", "measure type"),
    "item": ("item", "equipment", "item name", "equipment type"),
    "quantity": ("quantity", "units", "qty", "number of units"),
    "value": ("value", "value (eur)", "value eur", "value in eur", "value (€)", "eur"),
    "origin": ("origin", "origin depot", "origin site", "depot"),
}
"""Each field and the header names (normalised: lower case, single spaces) that name it."""
REQUIRED: tuple[str, ...] = ("donor", "date", "measure", "item", "quantity")

MEASURES: dict[str, str] = {
    "commitment": "announced",
    "commitments": "announced",
    "allocation": "committed",
    "allocations": "committed",
}
"""The tracker's measure → the offer's status: a commitment is pledged, an allocation specified."""

Outcome = Literal["created", "would_create", "exists", "not_recognised"]
"""What became of a row: created, would_create (dry run), exists (imported before), not_recognised."""


class PayloadTooLarge(DomainError):
    """The file is larger than the import accepts."""

    code = "payload_too_large"
    status = 413


@dataclass(frozen=True, slots=True)
class RawCell:
    """A cell as read: its value and openpyxl's data type (`f` formula, `e` error, `s`, `n`, `d`, `b`)."""

    value: Any
    data_type: str


@dataclass(frozen=True, slots=True)
class SheetColumn:
    """A recognised column: the field it holds, its position (0-based) and its header as written."""

    field: str
    index: int
    header: str


@dataclass(frozen=True, slots=True)
class KielSheet:
    """A sheet read from a workbook: its header row, recognised columns and data rows (by row number)."""

    file: str
    sheet: str
    header_row: int
    columns: tuple[SheetColumn, ...]
    ignored_columns: tuple[str, ...]
    rows: tuple[tuple[int, tuple[RawCell, ...]], ...]
    sha256: str


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why a row is not recognised: the column (as the sheet names it), the value found, the reason."""

    column: str | None
    value: str | None
    message: str


@dataclass(frozen=True, slots=True)
class MappedOffer:
    """The offer a recognised row becomes."""

    offer_id: str
    nation_id: str
    item_id: str
    status: str
    quantity: int
    available_week: int
    origin_site_id: str
    value_eur: float | None
    announced_on: dt.date


@dataclass(frozen=True, slots=True)
class RowOutcome:
    """What became of one row: its outcome, the offer it became (or would, or is already), or why not."""

    row: int
    outcome: Outcome
    offer: MappedOffer | None = None
    problems: tuple[RowProblem, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class KielImport:
    """The mapping report of an import: every row's outcome, and how the sheet was read."""

    file: str
    sheet: str
    sha256: str
    header_row: int
    columns: dict[str, str]
    """Field → the header that held it."""
    ignored_columns: tuple[str, ...]
    dry_run: bool
    strict: bool
    valuation_method: str
    rows: tuple[RowOutcome, ...]

    def count(self, outcome: Outcome) -> int:
        """How many rows had `outcome`."""
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def created(self) -> tuple[str, ...]:
        """Ids of the offers this import created (none on a dry run)."""
        return tuple(r.offer.offer_id for r in self.rows if r.outcome == "created" and r.offer)


# --- reading the file (no database) ------------------------------------------------------------------


def clean_file_name(name: str | None) -> str:
    """A file name fit to cite in an offer's source: its last part, printable, at most 120 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    text = "".join(c for c in base if c.isprintable()).strip()[:120]
    return text or DEFAULT_FILE_NAME


def _normal(text: str) -> str:
    return " ".join(text.replace("_", " ").lower().split())


def _field_of(header: object) -> str | None:
    if not isinstance(header, str):
        return None
    key = _normal(header).rstrip(":").strip()
    return next((name for name, names in FIELDS.items() if key in names), None)


def _refuse(file: str, message: str, row: int | None = None, column: str | None = None) -> ValidationFailed:
    return ValidationFailed(f"{file}: {message}", [Problem(message, file=file, row=row, column=column)])


def _check_archive(data: bytes, file: str) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise PayloadTooLarge(
            f"{file} has {len(data):,} bytes; the import takes at most {MAX_FILE_BYTES:,} (split the sheet)"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise _refuse(file, "is not an XLSX workbook (not a ZIP archive); save the sheet as .xlsx") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise PayloadTooLarge(f"{file} unpacks to {unpacked:,} bytes; at most {MAX_UNPACKED_BYTES:,}")


def _cells(row: Sequence[Any]) -> tuple[RawCell, ...]:
    return tuple(RawCell(getattr(c, "value", None), str(getattr(c, "data_type", "n") or "n")) for c in row)


def _blank(cells: Sequence[RawCell]) -> bool:
    return all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in cells)


def _header_fields(cells: Sequence[RawCell]) -> int:
    return len({f for c in cells if (f := _field_of(c.value)) is not None})


def _read_rows(data: bytes, file: str) -> tuple[str, list[tuple[int, tuple[RawCell, ...]]]]:
    """The first worksheet's name and its non-blank rows by number; ValidationFailed if unreadable."""
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it does not read; they do not matter here.
            warnings.simplefilter("ignore")
            from openpyxl import load_workbook  # only when a workbook is read (see aidcoord.export)

            book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            try:
                sheet = book.worksheets[0]
                # Stated dimensions may cover a million formatted rows: read the rows the file holds.
                sheet.reset_dimensions()
                rows: list[tuple[int, tuple[RawCell, ...]]] = []
                gap: object = None
                for number, row in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS), start=1):
                    # openpyxl fills rows missing from the file with one shared tuple: skip it cheaply.
                    if row is gap:
                        continue
                    cells = _cells(row)
                    if _blank(cells):
                        gap = row
                        continue
                    if number > MAX_ROWS:
                        raise _refuse(file, f"has data beyond row {MAX_ROWS:,}; split the sheet", row=number)
                    rows.append((number, cells))
                return sheet.title, rows
            finally:
                book.close()
    except ValidationFailed:
        raise
    except Exception as error:  # any failure to parse untrusted bytes means the same to the user
        reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise _refuse(file, f"is not a readable XLSX workbook ({reason})") from None


def read_rows(data: bytes, file_name: str | None = None) -> KielSheet:
    """The sheet as `read_sheet` reads it, refused (ValidationFailed) when it has no data rows.

    Cheap next to mapping the rows: the API runs it before queuing an import, to refuse a file it cannot
    read at once.
    """
    sheet = read_sheet(data, file_name)
    if not sheet.rows:
        raise _refuse(sheet.file, f"has a header (row {sheet.header_row}) but no data rows")
    return sheet


def read_sheet(data: bytes, file_name: str | None = None) -> KielSheet:
    """Read the first worksheet of an XLSX workbook: its header row, known columns and data rows.

    ValidationFailed (naming the file, and the row and column where it can) for a file that is not a
    readable XLSX, a sheet with no header row or rows beyond MAX_ROWS, a missing required column or
    two columns for one field; PayloadTooLarge for a file over the limits.
    """
    file = clean_file_name(file_name)
    _check_archive(data, file)
    sheet_title, found = _read_rows(data, file)
    if not found:
        raise _refuse(file, f"sheet {sheet_title!r} is empty: it needs a header row and data rows")
    first = found[:HEADER_SEARCH_ROWS]
    header_row, header = next(((n, c) for n, c in first if _header_fields(c) >= 3), first[0])
    rows = [(n, c) for n, c in found if n > header_row]
    columns: list[SheetColumn] = []
    ignored: list[str] = []
    problems: list[Problem] = []
    for index, cell in enumerate(header):
        name = _field_of(cell.value)
        if name is None:
            if cell.value is not None and str(cell.value).strip():
                ignored.append(str(cell.value).strip())
            continue
        taken = next((c for c in columns if c.field == name), None)
        if taken is not None:
            message = f"columns {taken.header!r} and {cell.value!r} both name the {name}: keep one"
            problems.append(Problem(message, file=file, row=header_row, column=str(cell.value)))
        columns.append(SheetColumn(name, index, str(cell.value).strip()))
    for name in REQUIRED:
        if not any(c.field == name for c in columns):
            accepted = ", ".join(repr(n.title()) for n in FIELDS[name])
            problems.append(
                Problem(f"no {name} column: name one {accepted}", file=file, row=header_row, column=name)
            )
    if problems:
        raise ValidationFailed(
            f"{file}: the header row (row {header_row}) is not usable: "
            + "; ".join(p.message for p in problems),
            problems,
        )
    return KielSheet(
        file=file,
        sheet=sheet_title,
        header_row=header_row,
        columns=tuple(columns),
        ignored_columns=tuple(ignored),
        rows=tuple(rows),
        sha256=hashlib.sha256(data).hexdigest(),
    )


# --- mapping rows ------------------------------------------------------------------------------------


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def item_key(text: str) -> str:
    """An item name as matched: lower case, single spaces, a plural `s` dropped from every word."""
    return " ".join(_singular(w) for w in _normal(text).split())


@dataclass(frozen=True, slots=True)
class _Lookups:
    nations: dict[str, str]
    """Nation id (upper case) and name (normalised) → nation id."""
    items: dict[str, tuple[str, ...]]
    """Item id (upper case) and item key → item ids (more than one: ambiguous)."""
    depots: dict[str, str]
    """Depot site id (upper case) → site id."""
    depot_of: dict[str, str]
    """Nation id → its depot with the lowest id."""
    start: dt.date


def _lookups(session: Session, actor: Actor) -> _Lookups:
    by_nation: dict[str, str] = {}
    for n in nations.list_all(session, actor=actor):
        by_nation[_normal(n.name)] = n.nation_id
    for n in nations.list_all(session, actor=actor):
        by_nation[n.nation_id.upper()] = n.nation_id
    items: dict[str, set[str]] = {}
    for i in catalog.list_items(session, actor=actor):
        items.setdefault(item_key(i.name), set()).add(i.item_id)
    for i in catalog.list_items(session, actor=actor):
        items[i.item_id.upper()] = {i.item_id}
    depots = sorted(sites.list_sites(session, actor=actor, kind="depot"), key=lambda s: s.site_id)
    depot_of: dict[str, str] = {}
    for d in depots:
        depot_of.setdefault(d.nation_id, d.site_id)
    return _Lookups(
        nations=by_nation,
        items={k: tuple(sorted(v)) for k, v in items.items()},
        depots={d.site_id.upper(): d.site_id for d in depots},
        depot_of=depot_of,
        start=dataset.planning_settings(session, actor=actor).start_date,
    )


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return text if len(text) <= 100 else text[:99] + "…"


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
            with contextlib.suppress(ValueError):
                return dt.datetime.strptime(value.strip(), pattern).date()
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        text = re.sub(r"[,\s_\u00a0\u202f']", "", value)
        with contextlib.suppress(ValueError):
            number = float(text)
            return number if math.isfinite(number) else None
    return None


@dataclass
class _Row:
    """A row being mapped: its cells by field and the problems found so far."""

    number: int
    cells: dict[str, tuple[str, RawCell]]
    problems: list[RowProblem] = field(default_factory=list)

    def value(self, name: str) -> Any:
        """The cell's value of field `name` (None when blank or absent)."""
        found = self.cells.get(name)
        if found is None:
            return None
        value = found[1].value
        return value.strip() or None if isinstance(value, str) else value

    def refuse(self, name: str, message: str) -> None:
        """Note that field `name`'s cell is not usable, and why."""
        header, cell = self.cells.get(name, (name, RawCell(None, "n")))
        self.problems.append(RowProblem(header, _shown(cell.value), message))


def _offer_id(
    nation: str, date: dt.date, status: str, item: str, qty: int, value: float | None, origin: str
) -> str:
    said = json.dumps([nation, date.isoformat(), status, item, qty, value, origin], separators=(",", ":"))
    return "OFF-K" + hashlib.sha256(said.encode("utf-8")).hexdigest()[:10].upper()


def _map_row(row: _Row, look: _Lookups, actor: Actor) -> MappedOffer | None:
    """The offer the row says, or None with the row's problems noted."""
    for name, (_header, cell) in row.cells.items():
        if cell.data_type == "f":
            row.refuse(name, "is a formula; only values are imported (paste the values over it)")
        elif cell.data_type == "e":
            row.refuse(name, "is a spreadsheet error value")
    if row.problems:
        return None

    nation = None
    donor = row.value("donor")
    if donor is None:
        row.refuse("donor", "is blank: name the donor by nation id or name")
    else:
        nation = look.nations.get(str(donor).upper()) or look.nations.get(_normal(str(donor)))
        if nation is None:
            row.refuse("donor", "is not a nation of the loaded scenario (by id or name)")
        elif actor.nation_id is not None and not actor.has("coordinator") and nation != actor.nation_id:
            row.refuse("donor", f"is {nation}: you may import offers of {actor.nation_id} only")

    date = _date(row.value("date"))
    if date is None:
        row.refuse("date", "is not a date: use a date cell, or YYYY-MM-DD or DD.MM.YYYY")

    measure = row.value("measure")
    status = MEASURES.get(_normal(str(measure))) if measure is not None else None
    if status is None:
        row.refuse("measure", "must be Commitment (pledged) or Allocation (specified for delivery)")

    item = None
    text = row.value("item")
    if text is None:
        row.refuse("item", "is blank: name a catalogue item by id or name")
    else:
        found = look.items.get(str(text).upper()) or look.items.get(item_key(str(text)))
        if not found:
            row.refuse("item", "is not an item of the catalogue (by id or name)")
        elif len(found) > 1:
            row.refuse("item", f"names more than one catalogue item ({', '.join(found)}): use the item id")
        else:
            item = found[0]

    quantity = None
    number = _number(row.value("quantity"))
    if number is None or not number.is_integer() or not 1 <= number <= MAX_QUANTITY:
        row.refuse("quantity", f"must be a whole number from 1 to {MAX_QUANTITY:,}")
    else:
        quantity = int(number)

    value = None
    if row.value("value") is not None:
        value = _number(row.value("value"))
        if value is None or not 0 <= value <= MAX_VALUE_EUR:
            row.refuse("value", "must be an amount in EUR ≥ 0 (or blank: computed from the catalogue)")
            value = None

    origin = None
    given = row.value("origin")
    if given is not None:
        origin = look.depots.get(str(given).upper())
        if origin is None:
            row.refuse("origin", "is not a depot's site id")
    elif nation is not None:
        origin = look.depot_of.get(nation)
        if origin is None:
            row.refuse("donor", f"{nation} has no depot: name the origin depot in an Origin column")

    if (
        row.problems
        or nation is None
        or date is None
        or status is None
        or item is None
        or quantity is None
        or origin is None
    ):
        return None
    return MappedOffer(
        offer_id=_offer_id(nation, date, status, item, quantity, value, origin),
        nation_id=nation,
        item_id=item,
        status=status,
        quantity=quantity,
        available_week=max(0, (date - look.start).days // 7),
        origin_site_id=origin,
        value_eur=value,
        announced_on=date,
    )


def map_rows(session: Session, *, actor: Actor, sheet: KielSheet) -> list[RowOutcome]:
    """Every data row's outcome, nothing written: `would_create`, `exists` or `not_recognised`."""
    look = _lookups(session, actor)
    # One query for every offer id the actor may see, rather than one look-up a row.
    existing = set(session.scalars(offers.visible_ids(actor)))
    first_row: dict[str, int] = {}
    out: list[RowOutcome] = []
    for number, cells in sheet.rows:
        by_field = {
            c.field: (c.header, cells[c.index] if c.index < len(cells) else RawCell(None, "n"))
            for c in sheet.columns
        }
        row = _Row(number, by_field)
        offer = _map_row(row, look, actor)
        if offer is None:
            out.append(RowOutcome(number, "not_recognised", problems=tuple(row.problems)))
        elif offer.offer_id in first_row:
            same = (
                f"repeats row {first_row[offer.offer_id]} (the same donor, date, measure, item, quantity, "
                "value and origin): change one of them if both are meant"
            )
            out.append(RowOutcome(number, "not_recognised", problems=(RowProblem(None, None, same),)))
        else:
            first_row[offer.offer_id] = number
            out.append(RowOutcome(number, "exists" if offer.offer_id in existing else "would_create", offer))
    return out


# --- the use case ------------------------------------------------------------------------------------


def import_kiel(
    session: Session,
    *,
    actor: Actor,
    data: bytes,
    file_name: str | None = None,
    dry_run: bool = False,
    strict: bool = False,
    valuation_method: str = "market",
) -> KielImport:
    """Import the recognised rows of a Kiel-style sheet as offers, all or nothing; the mapping report.

    Coordinators, and nation officers for their own nation's rows (Forbidden for other roles). With
    `dry_run` nothing is written; with `strict` any row not recognised refuses the whole import
    (ValidationFailed naming each row and column). See the module's docstring for the mapping.
    """
    require_role(actor, *offers.WRITERS)
    if valuation_method not in offers.VALUATION_METHODS:
        message = f"must be one of {', '.join(offers.VALUATION_METHODS)}, got {valuation_method!r}"
        raise ValidationFailed(f"valuation_method {message}", [Problem(message, column="valuation_method")])
    sheet = read_rows(data, file_name)
    outcomes = map_rows(session, actor=actor, sheet=sheet)
    refused = [o for o in outcomes if o.outcome == "not_recognised"]
    if strict and refused:
        problems = [
            Problem(
                p.message if p.value is None else f"{p.value!r} {p.message}",
                file=sheet.file,
                row=o.row,
                column=p.column,
            )
            for o in refused
            for p in o.problems
        ]
        raise ValidationFailed(
            f"{sheet.file}: {len(refused)} of {len(outcomes)} rows not recognised; strict imports none",
            problems,
        )
    if not dry_run:
        outcomes = [_create(session, actor, sheet, o, valuation_method) for o in outcomes]
    report = KielImport(
        file=sheet.file,
        sheet=sheet.sheet,
        sha256=sheet.sha256,
        header_row=sheet.header_row,
        columns={c.field: c.header for c in sheet.columns},
        ignored_columns=sheet.ignored_columns,
        dry_run=dry_run,
        strict=strict,
        valuation_method=valuation_method,
        rows=tuple(outcomes),
    )
    if report.created:
        audit.record(
            session,
            actor=actor,
            action="offers.import",
            entity="offer_import",
            entity_id=f"{sheet.file} {sheet.sha256[:16]}",
            after={
                "file": sheet.file,
                "sheet": sheet.sheet,
                "sha256": sheet.sha256,
                "rows": len(outcomes),
                "created": list(report.created),
                "exists": [o.offer.offer_id for o in outcomes if o.outcome == "exists" and o.offer],
                "not_recognised": [o.row for o in outcomes if o.outcome == "not_recognised"],
            },
        )
    return report


def _create(
    session: Session, actor: Actor, sheet: KielSheet, o: RowOutcome, valuation_method: str
) -> RowOutcome:
    """Create the offer of a recognised row through the offers service (announce, then commit)."""
    offer = o.offer
    if o.outcome != "would_create" or offer is None:
        return o
    try:
        offers.announce(
            session,
            actor=actor,
            offer_id=offer.offer_id,
            nation_id=offer.nation_id,
            item_id=offer.item_id,
            quantity=offer.quantity,
            available_week=offer.available_week,
            origin_site_id=offer.origin_site_id,
            valuation_method=valuation_method,
            value_eur=offer.value_eur,
            source=f"{sheet.file}, row {o.row}",
            announced_on=offer.announced_on,
        )
        if offer.status == "committed":
            offers.commit(session, actor=actor, offer_id=offer.offer_id)
    except DomainError as error:
        # The offers service refused a row the mapping accepted: nothing of this import stays.
        raise ValidationFailed(
            f"{sheet.file}, row {o.row}: {error.message}; nothing was imported",
            [Problem(error.message, file=sheet.file, row=o.row)],
        ) from error
    return RowOutcome(o.row, "created", offer)
