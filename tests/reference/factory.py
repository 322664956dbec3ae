"""What the reference tests share: a Kiel folder to break, row counts, and a planned and shipped scenario."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from aidcoord.access.actor import SYSTEM
from aidcoord.analysis.burden import MEASURES
from aidcoord.offers import service as offers
from aidcoord.reference.kiel import SERIES_FILE, packaged_kiel_dir
from aidcoord.shipments import service as shipments
from tests.offers.factory import SCENARIO, allocated, approve_greedy_plan, load


def kiel_copy(tmp_path: Path) -> Path:
    """A writable copy of the packaged Kiel Release 29 folder."""
    target = tmp_path / "kiel"
    shutil.copytree(packaged_kiel_dir(), target)
    return target


def break_cell(folder: Path, line: int, column: str, value: str) -> None:
    """Write `value` into `column` of data_explorer.csv at CSV line `line` (header = 1)."""
    path = folder / SERIES_FILE
    lines = path.read_text(encoding="utf-8").splitlines()
    header = [c.strip('"') for c in lines[0].split(",")]
    cells = lines[line - 1].split(",")
    cells[header.index(column)] = value
    lines[line - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def reference_rows(engine: Engine) -> dict[str, int]:
    """Rows in the reference tables and the audit log."""
    with engine.connect() as connection:
        return {
            name: int(connection.execute(text(f"SELECT count(*) FROM {name}")).scalar_one())
            for name in ("reference_releases", "kiel_monthly", "audit_log")
        }


AMENDED_VALUE_EUR = 1_000_000.0


def plan_and_ship(session: Session) -> dict[str, dict[str, float]]:
    """Load scenario S (seed 1), approve a greedy plan, ship; the expected burden figures per nation.

    One allocated committed offer gets a stated value (EUR 1 m); of the shipments, the first is only
    dispatched, the second is received less one unit, the rest stay planned. The expected figures are
    computed here from the scenario and the test's own actions, not from the report's code.
    """
    load(session)
    approve_greedy_plan(session)
    made = shipments.create_from_approved_plan(session, actor=SYSTEM)
    page = shipments.list_shipments(session, actor=SYSTEM, limit=1000)
    assert page.total == len(made.created) >= 2
    first, second = page.items[0], page.items[1]
    shipments.record_event(session, actor=SYSTEM, shipment_id=first.shipment_id, kind="dispatched")
    for kind in ("dispatched", "at_hub", "left_hub", "delivered"):
        shipments.record_event(session, actor=SYSTEM, shipment_id=second.shipment_id, kind=kind)
    shipments.record_event(
        session,
        actor=SYSTEM,
        shipment_id=second.shipment_id,
        kind="received",
        quantity=second.quantity - 1,
        signatory="Maj. Test",
    )
    amended = second.offer_id
    offers.amend(session, actor=SYSTEM, offer_id=amended, changes={"value_eur": AMENDED_VALUE_EUR})

    unit_value = {i.item_id: i.unit_value_eur for i in SCENARIO.items}
    expected: dict[str, dict[str, float]] = {}
    for o in SCENARIO.offers:
        value = AMENDED_VALUE_EUR if o.offer_id == amended else o.quantity * unit_value[o.item_id]
        per_unit = value / o.quantity
        figures = expected.setdefault(o.nation_id, dict.fromkeys(MEASURES, 0.0))
        if o.status == "committed":
            figures["committed"] += value
        figures["allocated"] += allocated(session, offer_id=o.offer_id) * per_unit
        if o.offer_id in (first.offer_id, second.offer_id):
            shipped = (first.quantity if o.offer_id == first.offer_id else 0) + (
                second.quantity if o.offer_id == second.offer_id else 0
            )
            figures["shipped"] += shipped * per_unit
        if o.offer_id == second.offer_id:
            figures["delivered"] += (second.quantity - 1) * per_unit
    return expected
