"""The spreadsheets over HTTP: exports that respect need-to-know, and the Kiel-style import's answers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Engine

from aidcoord.access.actor import SYSTEM
from aidcoord.db import session_scope
from aidcoord.export import MEDIA_TYPES
from aidcoord.nations import service as nations
from aidcoord.offers import service as offers
from aidcoord.shipments import service as shipments
from aidcoord.spreadsheets.exports import OFFER_COLUMNS
from aidcoord.spreadsheets.kiel_import import MAX_FILE_BYTES
from tests.api.helpers import V1, problem, sign_in
from tests.jobs.helpers import job_of
from tests.offers.factory import load
from tests.reference.factory import plan_and_ship
from tests.spreadsheets.factory import (
    CREATED_ROWS,
    EXPECTED,
    HEADER,
    REFUSED,
    ROWS,
    audit_actions,
    kiel_sheet,
    offer_rows,
)

XLSX = MEDIA_TYPES["xlsx"]
FORMULA_NAME = "=cmd|' /C calc'!A0"


def _table(sheet: Worksheet) -> tuple[list[str], list[tuple[Any, ...]], tuple[Any, ...]]:
    """A sheet's header, its data rows (the filter's range) and the total row below them."""
    top = int(str(sheet.freeze_panes)[1:]) - 1
    last = int(str(sheet.auto_filter.ref).rsplit(":", 1)[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    header = [str(c.value) for c in sheet[top]]
    rows = [tuple(c.value for c in sheet[r]) for r in range(top + 1, last + 1)]
    return header, rows, tuple(c.value for c in sheet[last + 1])


def _workbook(client: TestClient, kind: str, token: str | None = None) -> dict[str, Worksheet]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.get(f"{V1}/spreadsheets/{kind}", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"] == f'attachment; filename="aidcoord-{kind}.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    formulas = [
        c.coordinate for s in book.worksheets for row in s.iter_rows() for c in row if c.data_type == "f"
    ]
    assert not formulas
    return {s.title: s for s in book.worksheets if isinstance(s, Worksheet)}


def test_exports_are_formatted_and_show_only_what_the_caller_may_see(
    api: TestClient, migrated_engine: Engine
) -> None:
    with session_scope(migrated_engine) as session:
        expected = plan_and_ship(session)
        third = shipments.list_shipments(session, actor=SYSTEM, limit=3).items[2]
        for kind in ("dispatched", "at_hub", "left_hub", "delivered"):
            shipments.record_event(session, actor=SYSTEM, shipment_id=third.shipment_id, kind=kind)
        # The third shipment left its depot too (delivered, not yet signed for).
        offer = offers.get(session, actor=SYSTEM, offer_id=third.offer_id)
        expected[offer.nation_id]["shipped"] += third.quantity * offer.value_eur / offer.quantity
        nations.update(session, actor=SYSTEM, nation_id="N001", changes={"name": FORMULA_NAME})
    coordinator = api.headers["Authorization"].removeprefix("Bearer ")
    officer = sign_in(api, migrated_engine, "olga", "DEL-N003", "nation_officer")
    operator = sign_in(api, migrated_engine, "hugo", "OPS-HUB-01", "hub_operator")

    # Offers: a bold frozen header, formats, widths; a delegation gets its own offers only.
    offers_sheet = _workbook(api, "offers", coordinator)["Offers"]
    header, rows, total = _table(offers_sheet)
    assert header == [c.header for c in OFFER_COLUMNS]
    assert all(c.font.bold for c in offers_sheet[offers_sheet.auto_filter.ref.split(":")[0][1:]])
    assert len(rows) == 150
    units, value = header.index("Units"), header.index("Value (EUR)")
    first = offers_sheet[int(str(offers_sheet.freeze_panes)[1:])]
    assert (first[units].number_format, first[value].number_format) == ("#,##0", "#,##0")
    assert isinstance(first[header.index("Available from")].value, dt.datetime)
    assert first[header.index("Allocated share")].number_format == "0.0%"
    assert offers_sheet.column_dimensions["E"].width > offers_sheet.column_dimensions["B"].width
    assert total[units] == sum(r[units] for r in rows)
    _, own, _ = _table(_workbook(api, "offers", officer)["Offers"])
    assert own
    assert {r[header.index("Nation")] for r in own} == {"N003"}

    # The pipeline: per nation the burden report's figures (everyone's), per offer what one may see.
    pipeline = _workbook(api, "pipeline", coordinator)
    n_header, by_nation, n_total = _table(pipeline["By nation"])
    assert n_header[2:7] == [
        f"{s} (EUR)" for s in ("Announced", "Committed", "Allocated", "Shipped", "Received")
    ]
    for row in by_nation:
        figures = expected[str(row[0])]
        for stage, measure in (("Committed", "committed"), ("Shipped", "shipped"), ("Received", "delivered")):
            assert math.isclose(row[n_header.index(f"{stage} (EUR)")], figures[measure], rel_tol=1e-9)
        assert math.isclose(row[n_header.index("Allocated (EUR)")], figures["allocated"], rel_tol=1e-9)
    assert pipeline["By nation"].cell(row=len(by_nation), column=2).data_type == "s"  # no formula
    assert FORMULA_NAME in [r[1] for r in by_nation]
    o_header, _, o_total = _table(pipeline["By offer"])
    for stage in ("Committed", "Allocated", "Shipped", "Received"):
        assert math.isclose(
            o_total[o_header.index(f"{stage} (EUR)")], n_total[n_header.index(f"{stage} (EUR)")]
        )
    delivered, received = o_header.index("Delivered (units)"), o_header.index("Received (units)")
    assert o_total[delivered] == third.quantity + o_total[received] + 1  # the second: received less one

    # A plan: the approved one; a hub's operator sees its hub's allocations but not whose they are.
    plan = _workbook(api, "plan", coordinator)
    p_header, allocations, _ = _table(plan["Allocations"])
    assert "Plan version 1 (approved" in str(plan["Allocations"]["A2"].value)
    assert {r[p_header.index("Nation")] for r in allocations} > {"N003"}
    _, through_hub, _ = _table(_workbook(api, "plan", operator)["Allocations"])
    assert 0 < len(through_hub) < len(allocations)
    assert {r[p_header.index("Hub")] for r in through_hub} == {"HUB-01"}
    assert {r[p_header.index("Nation")] for r in through_hub} == {None}
    r_header, requirements, _ = _table(_workbook(api, "requirements", officer)["Requirements"])
    assert len(requirements) == 60
    assert r_header[7:9] == ["Due week", "Due date"]

    # An existing report's exports neutralise the same text.
    burden_csv = api.get(
        f"{V1}/reports/burden-sharing?format=csv", headers={"Authorization": f"Bearer {coordinator}"}
    )
    names = [row[1] for row in csv.reader(io.StringIO(burden_csv.text))]
    assert "'" + FORMULA_NAME in names
    burden_xlsx = api.get(
        f"{V1}/reports/burden-sharing?format=xlsx", headers={"Authorization": f"Bearer {coordinator}"}
    )
    sheet = load_workbook(io.BytesIO(burden_xlsx.content)).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    assert [c.quotePrefix for c in cells if c.value == FORMULA_NAME] == [True]


def _post(
    client: TestClient, data: bytes, query: str = "", content_type: str = XLSX, token: str | None = None
) -> Any:
    headers = {"Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return client.post(f"{V1}/offer-imports/kiel{query}", content=data, headers=headers)


def _imported(client: TestClient, data: bytes, query: str = "", token: str | None = None) -> dict[str, Any]:
    """The ended job a (non-dry-run) import started: 202, then polled until it ended."""
    job = job_of(client, _post(client, data, query, token=token))
    assert job["kind"] == "offers_import"
    assert job["links"]["result"] is None, "the mapping report is the job's result, not a file"
    return job


def _check_report(report: dict[str, Any], created: str) -> None:
    """Every row of the standard sheet became what it must: the offer mapped, or the reason why not."""
    assert [r["row"] for r in report["rows"]] == [2, 3, 4, 5, 6, 7, 8, 9, 11, 12]
    assert report["columns"]["quantity"] == "Quantity"
    assert report["ignored_columns"] == ["Notes"]
    for r in report["rows"]:
        if r["row"] in CREATED_ROWS:
            expected = EXPECTED[r["row"]] | {"announced_on": EXPECTED[r["row"]]["announced_on"].isoformat()}
            assert r["outcome"] == created
            assert r["offer_id"].startswith("OFF-K")
            assert {k: r[k] for k in expected} == expected, r["row"]
            assert r["problems"] == []
        else:
            column, value, words = REFUSED[r["row"]]
            assert r["outcome"] == "not_recognised"
            assert r["offer_id"] is None
            assert [(p["column"], p["value"]) for p in r["problems"]] == [(column, value)], r["row"]
            assert words in r["problems"][0]["message"], r["row"]


def test_import_over_http(api: TestClient, migrated_engine: Engine) -> None:
    client = api
    with session_scope(migrated_engine) as session:
        load(session)
    viewer = sign_in(client, migrated_engine, "vic", "CELL", "viewer")
    officer = sign_in(client, migrated_engine, "olga", "DEL-N005", "nation_officer")
    coordinator = sign_in(client, migrated_engine, "cora", "CELL", "coordinator")
    before = (offer_rows(migrated_engine), audit_actions(migrated_engine))

    # Refused whole, nothing written: not a workbook, broken, a column missing, not XLSX, too large,
    # strict with rows not recognised, a role that may not announce offers.
    body = problem(_post(client, b"donor,date\n", "?filename=kiel.csv"), 422, "validation_failed")
    assert body["problems"][0]["file"] == "kiel.csv"
    assert "not an XLSX workbook" in body["detail"]
    problem(_post(client, kiel_sheet()[:700]), 422)
    missing = problem(_post(client, kiel_sheet(ROWS[:1], ("Donor", "Date", "Type", "Units"))), 422)
    assert {(p["row"], p["column"]) for p in missing["problems"]} == {(1, "item")}
    problem(_post(client, kiel_sheet(), content_type="application/json"), 415, "unsupported_media_type")
    problem(_post(client, b"x" * (MAX_FILE_BYTES + 1)), 413, "payload_too_large")
    problem(_post(client, kiel_sheet(ROWS[:0])), 422)
    problem(_post(client, kiel_sheet(), token=viewer), 403)
    assert (offer_rows(migrated_engine), audit_actions(migrated_engine)) == before

    dry = _post(client, kiel_sheet(), "?dry_run=true&filename=kiel.xlsx")
    assert dry.status_code == 200, dry.text
    _check_report(dry.json(), "would_create")
    assert (dry.json()["would_create"], dry.json()["not_recognised"], dry.json()["offer_ids"]) == (3, 7, [])
    assert (offer_rows(migrated_engine), audit_actions(migrated_engine)) == before

    # Strict, with rows not recognised: the job fails naming each, and stores nothing.
    strict_job = _imported(client, kiel_sheet(), "?strict=true&filename=kiel.xlsx")
    assert strict_job["status"] == "failed"
    strict = strict_job["error"]
    assert strict["status"] == 422
    assert {(p["file"], p["row"], p["column"]) for p in strict["problems"]} == {
        ("kiel.xlsx", row, column) for row, (column, _, _) in REFUSED.items()
    }
    assert "7 of 10 rows not recognised" in strict["detail"]
    assert offer_rows(migrated_engine) == before[0]
    before = (before[0], audit_actions(migrated_engine))
    assert [a for a, _ in before[1][-1:]] == ["job.submit"]

    made = _imported(client, kiel_sheet(), "?filename=kiel.xlsx&valuation_method=book", token=coordinator)
    assert made["status"] == "succeeded", made
    report = made["result"]
    _check_report(report, "created")
    ids = {r["row"]: r["offer_id"] for r in report["rows"] if r["offer_id"]}
    assert report["offer_ids"] == [ids[row] for row in CREATED_ROWS]
    assert report["offer_ids"] == [r["offer_id"] for r in dry.json()["rows"] if r["offer_id"]]
    assert offer_rows(migrated_engine) == before[0] + 3
    for row in CREATED_ROWS:
        offer = client.get(
            f"{V1}/offers/{ids[row]}", headers={"Authorization": f"Bearer {coordinator}"}
        ).json()
        expected = EXPECTED[row]
        assert (offer["nation_id"], offer["item_id"], offer["status"]) == (
            expected["nation_id"],
            expected["item_id"],
            expected["status"],
        )
        assert (offer["quantity"], offer["available_week"]) == (
            expected["quantity"],
            expected["available_week"],
        )
        assert offer["value_computed"] is (expected["value_eur"] is None)
        assert (offer["valuation_method"], offer["source"]) == ("book", f"kiel.xlsx, row {row}")
        assert offer["announced_on"] == expected["announced_on"].isoformat()
    actions = audit_actions(migrated_engine)[len(before[1]) :]
    assert actions[0] == ("job.submit", made["job_id"])
    actions = actions[1:]
    assert sorted(actions[:-1]) == sorted(
        [("offer.announce", ids[row]) for row in CREATED_ROWS]
        + [("offer.commit", ids[row]) for row in CREATED_ROWS if EXPECTED[row]["status"] == "committed"]
    )
    assert actions[-1][0] == "offers.import"

    # Again: nothing new, nothing audited.
    again = _imported(client, kiel_sheet(), token=coordinator)["result"]
    assert [r["offer_id"] for r in again["rows"] if r["outcome"] == "exists"] == report["offer_ids"]
    assert offer_rows(migrated_engine) == before[0] + 3
    assert [a for a, _ in audit_actions(migrated_engine)[len(before[1]) + len(actions) + 1 :]] == [
        "job.submit"
    ]

    # A nation's officer: its own nation's rows only.
    rows = [("N005", "2025-03-03", "Commitment", "ITM-0004", 9), ROWS[0]]
    mine = _imported(client, kiel_sheet(rows, HEADER[:5]), token=officer)
    assert mine["created_by"] == "olga"
    assert [r["outcome"] for r in mine["result"]["rows"]] == ["created", "not_recognised"]
    assert "you may import offers of N005 only" in mine["result"]["rows"][1]["problems"][0]["message"]
