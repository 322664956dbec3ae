"""Use cases of the reference domain: import a Kiel Ukraine Support Tracker release, list, total it.

A release is stored under `kiel-<release>`; importing a release that is already stored replaces its
series in the same transaction (coordinators only; one audit record `reference.import` with the row
counts). Reference series are public figures, visible to every signed-in actor. Reports use the latest
release (by publication date) unless one is named.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from aidcoord.access.actor import Actor, require_role
from aidcoord.analysis.burden import KielCountryTotal, KielMonth, kiel_country_totals
from aidcoord.audit import service as audit
from aidcoord.errors import NotFound
from aidcoord.export import ReportTable
from aidcoord.nations import service as nations
from aidcoord.reference.kiel import CITATION, SERIES_COLUMNS, packaged_kiel_dir, read_kiel
from aidcoord.reference.models import KielMonthRow, ReferenceRelease

Progress = Callable[[str, float], None]

# Rows per INSERT: keeps PostgreSQL's bind-parameter limit and the progress bar moving.
CHUNK = 500
NATIONS_REFERENCE = "nations.csv"
DEFENCE_SOURCE = 'NATO, "Defence Expenditure of NATO Countries (2014-2024)", June 2024 estimates'
GDP_SOURCE = "World Bank WDI, NY.GDP.MKTP.CD (2024)"


@dataclass(frozen=True, slots=True)
class ReleaseView:
    """A stored release: its source, number, period covered, publication date, label and import."""

    release_id: str
    source: str
    release: str
    period: str
    published_on: dt.date
    label: str
    imported_at: dt.datetime
    imported_by: str
    rows: int

    @property
    def citation(self) -> str:
        """How reports cite it, e.g. `Kiel Institute, Ukraine Support Tracker, Release 29 (04/2026)`."""
        return f"Kiel Institute, {self.label}"


@dataclass(frozen=True, slots=True)
class KielImport:
    """What an import stored: the release, its rows and countries, and the rows it replaced."""

    release: ReleaseView
    rows: int
    countries: int
    replaced_rows: int


@dataclass(frozen=True, slots=True)
class KielTotals:
    """A release's per-country totals (largest first), computed from its monthly series."""

    release: ReleaseView
    countries: tuple[KielCountryTotal, ...]


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite hands timezone-aware columns back naive; they were written in UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _view(row: ReferenceRelease) -> ReleaseView:
    return ReleaseView(
        release_id=row.release_id,
        source=row.source,
        release=row.release,
        period=row.period,
        published_on=row.published_on,
        label=row.label,
        imported_at=_utc(row.imported_at),
        imported_by=row.imported_by,
        rows=row.row_count,
    )


def import_kiel(
    session: Session, *, actor: Actor, directory: Path, progress: Progress | None = None
) -> KielImport:
    """Import a folder of the tracker's aggregates (coordinators); replaces a stored release of that number.

    The folder is read and checked first: any problem is ValidationFailed (422 / exit 2) naming file,
    row and column, and nothing is written.
    """
    require_role(actor, "coordinator")
    report = progress or (lambda message, fraction: None)
    report("reading", 0.0)
    release = read_kiel(directory)
    release_id = release.release_id
    existing = session.scalars(
        select(ReferenceRelease).where(ReferenceRelease.release_id == release_id).with_for_update()
    ).first()
    replaced = 0
    before = None
    if existing is not None:
        replaced = existing.row_count
        before = {"release_id": release_id, "label": existing.label, "rows": existing.row_count}
        session.execute(delete(KielMonthRow).where(KielMonthRow.release_id == release_id))
        session.delete(existing)
        session.flush()
    row = ReferenceRelease(
        release_id=release_id,
        source="kiel",
        release=release.release,
        period=release.period,
        published_on=release.published_on,
        label=release.label,
        imported_at=dt.datetime.now(dt.UTC),
        imported_by=actor.user_id,
        row_count=len(release.months),
    )
    session.add(row)
    session.flush()
    months = release.months
    for start in range(0, len(months), CHUNK):
        chunk = months[start : start + CHUNK]
        session.execute(
            insert(KielMonthRow),
            [{"release_id": release_id, **{c: getattr(m, c) for c in SERIES_COLUMNS}} for m in chunk],
        )
        report("writing", (start + len(chunk)) / len(months))
    session.flush()
    result = KielImport(
        release=_view(row),
        rows=len(months),
        countries=len({m.iso for m in months}),
        replaced_rows=replaced,
    )
    audit.record(
        session,
        actor=actor,
        action="reference.import",
        entity="reference_series",
        entity_id=release_id,
        before=before,
        after={
            "release_id": release_id,
            "label": release.label,
            "rows": result.rows,
            "countries": result.countries,
            "replaced_rows": replaced,
        },
    )
    return result


def list_releases(session: Session, *, actor: Actor, source: str | None = None) -> list[ReleaseView]:
    """The stored releases (of `source`, if given), newest publication first."""
    del actor  # reference series are public figures
    query = select(ReferenceRelease).order_by(
        ReferenceRelease.published_on.desc(), ReferenceRelease.release_id.desc()
    )
    if source is not None:
        query = query.where(ReferenceRelease.source == source)
    return [_view(r) for r in session.scalars(query)]


def get_release(session: Session, *, actor: Actor, release_id: str | None = None) -> ReleaseView:
    """A stored Kiel release: the one named, or the latest; NotFound when there is none."""
    if release_id is None:
        releases = list_releases(session, actor=actor, source="kiel")
        if not releases:
            raise NotFound("no Kiel Ukraine Support Tracker release is imported: run `aidcoord import kiel`")
        return releases[0]
    row = session.get(ReferenceRelease, release_id)
    if row is None or row.source != "kiel":
        raise NotFound(f"Kiel release {release_id} is not imported")
    return _view(row)


def kiel_months(
    session: Session, *, actor: Actor, release_id: str | None = None
) -> tuple[ReleaseView, list[KielMonth]]:
    """A Kiel release (the latest if none is named) and its monthly series, by country and month."""
    release = get_release(session, actor=actor, release_id=release_id)
    columns = [KielMonthRow.__table__.c[c] for c in SERIES_COLUMNS]
    query = (
        select(*columns)
        .where(KielMonthRow.release_id == release.release_id)
        .order_by(KielMonthRow.iso, KielMonthRow.year, KielMonthRow.month)
    )
    months = [
        KielMonth(**dict(zip(SERIES_COLUMNS, values, strict=True))) for values in session.execute(query)
    ]
    return release, months


def kiel_totals(session: Session, *, actor: Actor, release_id: str | None = None) -> KielTotals:
    """Per-country totals of a Kiel release (the latest if none is named) and their % of GDP."""
    release, months = kiel_months(session, actor=actor, release_id=release_id)
    return KielTotals(release=release, countries=kiel_country_totals(months))


def row_count(session: Session, *, actor: Actor) -> int:
    """How many monthly rows all stored Kiel releases hold."""
    del actor
    return int(session.scalar(select(func.count()).select_from(KielMonthRow)) or 0)


def _packaged_defence() -> dict[str, float | None]:
    """Defence % of GDP from the packaged reference nations.csv (NATO 2024 estimates; blanks unknown)."""
    path = packaged_kiel_dir().parent / NATIONS_REFERENCE
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            row["nation_id"]: float(row["defence_pct_gdp_2024e"]) if row["defence_pct_gdp_2024e"] else None
            for row in csv.DictReader(handle)
        }


def defence_pct_by_nation(session: Session, *, actor: Actor) -> dict[str, float | None]:
    """Defence spending as % of GDP by nation id: the loaded nations', else the packaged reference's."""
    figures = _packaged_defence()
    figures.update({n.nation_id: n.defence_pct_gdp for n in nations.list_all(session, actor=actor)})
    return figures


KIEL_COUNTRY_COLUMNS: tuple[str, ...] = (
    "iso",
    "country",
    "months",
    "total_eur_bn",
    "financial_eur_bn",
    "humanitarian_eur_bn",
    "military_eur_bn",
    "commitments_eur_bn",
    "to_be_allocated_eur_bn",
    "gdp_eur_bn",
    "pct_gdp",
    "military_pct_gdp",
    "commitments_pct_gdp",
    "share_pct",
)


def kiel_sources(release: ReleaseView) -> tuple[str, ...]:
    """What a table of a Kiel release cites."""
    return (f"{release.citation}; {CITATION}", "Values in EUR bn; GDP in EUR bn as the tracker publishes it")


def kiel_countries_table(totals: KielTotals) -> ReportTable:
    """A Kiel release's per-country totals as one table, for CSV and XLSX."""
    rows = tuple(
        (
            c.iso,
            c.country,
            c.months,
            c.total,
            c.financial,
            c.humanitarian,
            c.military,
            c.commitments,
            c.to_be_allocated,
            c.gdp_eur_bn,
            c.pct_gdp,
            c.military_pct_gdp,
            c.commitments_pct_gdp,
            c.share_pct,
        )
        for c in totals.countries
    )
    return ReportTable(
        title=f"Kiel countries {totals.release.release_id}",
        columns=KIEL_COUNTRY_COLUMNS,
        rows=rows,
        sources=kiel_sources(totals.release),
    )
