"""Tables of the reference domain: imported releases of public data series and their rows."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from aidcoord.db.base import Base


class ReferenceRelease(Base):
    """One imported release of a public source (e.g. `kiel-29`), with where and when it came from."""

    __tablename__ = "reference_releases"

    release_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(32), index=True)
    release: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(32))
    """The last month the release covers, as the source writes it (`04/2026`)."""
    published_on: Mapped[dt.date]
    label: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    imported_by: Mapped[str] = mapped_column(String(64))
    row_count: Mapped[int]


class KielMonthRow(Base):
    """A donor's aid in one month of a Kiel release (EUR bn), with the tracker's GDP and % of GDP.

    The columns carry `analysis.burden.KielMonth`'s field names; values are stored as published.
    """

    __tablename__ = "kiel_monthly"
    __table_args__ = (
        CheckConstraint("month BETWEEN 1 AND 12", name="month_valid"),
        CheckConstraint("gdp >= 0", name="gdp_non_negative"),
    )

    release_id: Mapped[str] = mapped_column(
        ForeignKey("reference_releases.release_id", ondelete="CASCADE"), primary_key=True
    )
    iso: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    month: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    country: Mapped[str] = mapped_column(String(200))
    total: Mapped[float]
    financial: Mapped[float]
    humanitarian: Mapped[float]
    military: Mapped[float]
    commitments: Mapped[float]
    to_be_allocated: Mapped[float]
    gdp: Mapped[float]
    pct_gdp: Mapped[float]
