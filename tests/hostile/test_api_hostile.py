"""Hostile requests to the API, on SQLite and PostgreSQL: each is a clear 4xx problem+json, nothing is
half-written, and injection strings are stored exactly as given and shown escaped by the dashboard.

Which fields to attack comes from the OpenAPI document itself (every text, whole-number and number
field of every request body), so an operation added later is attacked too.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from aidcoord.api.app import create_app
from aidcoord.api.deps import CSRF_COOKIE
from aidcoord.api.inputs import MAX_INTEGER
from aidcoord.api.limits import DEFAULT_MAX_BODY_BYTES
from aidcoord.errors import ValidationFailed
from aidcoord.web.routes import templates
from tests.api.helpers import V1, problem
from tests.conftest import table_row_counts
from tests.hostile.conftest import PASSWORD, World

SQL = "x'); DROP TABLE offers; --"
HTML = '<script>alert("pwned")</script>'
PAYLOAD = f"{HTML} {SQL} & 'quotes'"
"""Both kinds at once, in 70 characters: fits every text column of 64 or more with a prefix cut."""


def _escaped(text: str) -> str:
    """The text as the dashboard's templates write it into a page."""
    return templates.env.from_string("{{ text }}").render(text=text)


def _fit(text: str, length: int) -> str:
    return text[:length]


@pytest.fixture
def unchanged(world: World) -> Iterator[None]:
    """The test's requests write nothing: every table has the same rows after it as before."""
    before = table_row_counts(world.engine)
    yield
    assert table_row_counts(world.engine) == before


@functools.cache
def _document() -> dict[str, Any]:
    """The OpenAPI document (the same on every backend; generating it takes seconds)."""
    app = create_app("sqlite://")
    try:
        return app.openapi()
    finally:
        app.state.engine.dispose()


def _body_fields(document: dict[str, Any]) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(method, path, field, field schema) for every top-level field of every JSON request body."""
    components = document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if content is None:
                continue
            ref = content["schema"].get("$ref", "")
            properties = components.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
            for field, schema in properties.items():
                yield method, path, field, schema


def _variants(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return schema.get("anyOf", [schema])


def _url(path: str, world: World) -> str:
    # Path parameters point at things that exist where it matters; validation comes first anyway.
    return (
        path.replace("{shipment_id}", world.shipment_id)
        .replace("{offer_id}", "OFF-000001")
        .replace("{requirement_id}", "REQ-00001")
        .replace("{version}", "1")
        .replace("{nation_id}", "N003")
        .replace("{site_id}", "HUB-01")
        .replace("{item_id}", "ITM-0001")
        .replace("{course_id}", "CRS-001")
        .replace("{name}", "x")
        .replace("{from_site_id}", "DEP-N003-1")
        .replace("{to_site_id}", "HUB-01")
    )


def _send(client: TestClient, method: str, url: str, raw: str) -> Any:
    return client.request(
        method.upper(), url, content=raw.encode("utf-8"), headers={"content-type": "application/json"}
    )


def _refused_naming(response: Any, field: str, words: str) -> None:
    body = problem(response, 422, "validation_failed")
    named = [p for p in body["problems"] if (p["column"] or "").split(".")[0] == field]
    assert named, f"{field}: {body}"
    assert any(words in p["message"] for p in named), f"{field}: {named}"


# --- size, shape and media type -------------------------------------------------------------------


def test_a_body_above_the_limit_is_413_before_it_is_read(world: World, unchanged: None) -> None:
    oversized = b" " * (DEFAULT_MAX_BODY_BYTES + 1)
    declared = world.client.post(
        f"{V1}/nations", content=oversized, headers={"content-type": "application/json"}
    )
    body = problem(declared, 413, "body_too_large")
    assert "AIDCOORD_MAX_BODY_BYTES" in body["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it is read
        for _ in range(11):
            yield b" " * (1024 * 1024)

    streamed = world.client.post(
        f"{V1}/nations", content=chunks(), headers={"content-type": "application/json"}
    )
    problem(streamed, 413, "body_too_large")


def test_the_limit_comes_from_the_environment(
    world: World, unchanged: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIDCOORD_MAX_BODY_BYTES", "300")
    app = create_app(world.engine.url.render_as_string(hide_password=False))
    with TestClient(app) as small:
        small.headers.update(world.client.headers)
        too_big = small.post(
            f"{V1}/nations", json={"nation_id": "BIG", "name": "x" * 300, "nato_member": True}
        )
        problem(too_big, 413, "body_too_large")
        fits = small.post(f"{V1}/nations", json={"nation_id": "N003", "name": "x", "nato_member": True})
        problem(fits, 409, "conflict")  # read and handled: N003 exists
    app.state.engine.dispose()
    monkeypatch.setenv("AIDCOORD_MAX_BODY_BYTES", "ten megabytes")
    with pytest.raises(ValidationFailed) as refused:
        create_app(world.engine.url.render_as_string(hide_password=False))
    assert [p.column for p in refused.value.problems] == ["AIDCOORD_MAX_BODY_BYTES"]


def test_deeply_nested_and_unreadable_json_is_a_4xx(world: World, unchanged: None) -> None:
    nested = _send(world.client, "post", f"{V1}/nations", "[" * 10_000 + "]" * 10_000)
    assert "nested too deeply" in problem(nested, 400)["detail"]
    inside = (
        '{"nation_id": "DEEP", "name": "x", "nato_member": true, "extra": {"k": '
        + "[" * 500
        + "]" * 500
        + "}}"
    )
    _refused_naming(_send(world.client, "post", f"{V1}/nations", inside), "extra", "string")
    digits = '{"nation_id": "BIG", "name": "x", "nato_member": true, "gdp_usd_bn": ' + "9" * 5000 + "}"
    assert "cannot be read" in problem(_send(world.client, "post", f"{V1}/nations", digits), 400)["detail"]
    not_utf8 = world.client.post(
        f"{V1}/nations", content=b'{"name": "\xff\xfe"}', headers={"content-type": "application/json"}
    )
    assert "cannot be read" in problem(not_utf8, 400)["detail"]
    broken = _send(world.client, "post", f"{V1}/nations", '{"nation_id": "X", ')
    problem(broken, 422, "validation_failed")


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("text/plain", '{"nation_id": "TXT", "name": "x", "nato_member": true}'),
        ("application/xml", "<nation><nation_id>XML</nation_id></nation>"),
        ("application/x-www-form-urlencoded", "nation_id=FRM&name=x&nato_member=true"),
        (None, '{"nation_id": "RAW", "name": "x", "nato_member": true}'),
    ],
)
def test_a_body_that_is_not_json_is_415(
    world: World, unchanged: None, content_type: str | None, content: str
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    request = world.client.build_request("POST", f"{V1}/nations", content=content.encode(), headers=headers)
    assert content_type is not None or "content-type" not in request.headers
    body = problem(world.client.send(request), 415, "unsupported_media_type")
    assert "application/json" in body["detail"]


# --- values the databases cannot hold -------------------------------------------------------------


def test_nul_in_any_text_field_path_or_query_is_422(world: World, unchanged: None) -> None:
    document = _document()
    attacked = 0
    for method, path, field, schema in _body_fields(document):
        types = {v.get("type") for v in _variants(schema)}
        if "string" in types and not any("enum" in v or "format" in v for v in _variants(schema)):
            value: Any = "a\x00b"
        elif "object" in types:
            values = next(
                v.get("additionalProperties", {}) for v in _variants(schema) if v.get("type") == "object"
            )
            value = {"a\x00b": {"string": "x", "number": 0.5, "array": []}.get(values.get("type"), "x")}
        else:
            continue
        response = world.client.request(method.upper(), _url(path, world), json={field: value})
        _refused_naming(response, field, "NUL")
        attacked += 1
    assert attacked >= 40
    for url in (f"{V1}/offers/OFF%00", f"{V1}/offers?nation_id=N%00", f"{V1}/nations/%00/x"):
        assert "NUL" in problem(world.client.get(url), 422, "validation_failed")["detail"]
    surrogate = '{"nation_id": "SUR", "name": "\\ud800", "nato_member": true}'
    _refused_naming(_send(world.client, "post", f"{V1}/nations", surrogate), "name", "")


def test_text_longer_than_its_column_is_422_naming_the_field(world: World, unchanged: None) -> None:
    document = _document()
    attacked = 0
    for method, path, field, schema in _body_fields(document):
        lengths = [
            v["maxLength"] for v in _variants(schema) if v.get("type") == "string" and "maxLength" in v
        ]
        if not lengths:
            continue
        response = world.client.request(
            method.upper(), _url(path, world), json={field: "x" * (lengths[0] + 1)}
        )
        _refused_naming(response, field, f"at most {lengths[0]} characters")
        attacked += 1
    assert attacked >= 40


def test_numbers_the_databases_cannot_hold_are_422(world: World, unchanged: None) -> None:
    document = _document()
    integers = numbers = 0
    for method, path, field, schema in _body_fields(document):
        types = {v.get("type") for v in _variants(schema)}
        url = _url(path, world)
        if "integer" in types:
            for value in (MAX_INTEGER + 1, 2**64, -(2**63) - 1):
                raw = json.dumps({field: value})
                _refused_naming(_send(world.client, method, url, raw), field, "")
            integers += 1
        elif "number" in types:
            for literal in ("NaN", "Infinity", "-Infinity", "1e999"):
                _refused_naming(
                    _send(world.client, method, url, f'{{"{field}": {literal}}}'), field, "finite"
                )
            numbers += 1
    assert integers >= 20
    assert numbers >= 10
    problem(world.client.get(f"{V1}/audit", params={"offset": str(2**40)}), 422, "validation_failed")
    problem(world.client.get(f"{V1}/plans/{2**40}"), 422, "validation_failed")
    problem(world.client.get(f"{V1}/plans/%C2%B2"), 422, "validation_failed")  # "²" is a digit to Python


def test_types_are_not_coerced(world: World, unchanged: None) -> None:
    for body, field in (
        ({"nation_id": "T1", "name": "x", "nato_member": 0}, "nato_member"),
        ({"nation_id": "T2", "name": "x", "nato_member": "yes"}, "nato_member"),
        ({"nation_id": "T3", "name": 5, "nato_member": True}, "name"),
        ({"nation_id": "T4", "name": "x", "nato_member": True, "gdp_usd_bn": "12"}, "gdp_usd_bn"),
    ):
        _refused_naming(world.client.post(f"{V1}/nations", json=body), field, "")
    twice = world.client.get(f"{V1}/lanes", params=[("from_site_id", "HUB-01"), ("from_site_id", "HUB-02")])
    assert "one value" in problem(twice, 422, "validation_failed")["problems"][0]["message"]


def test_text_as_long_as_its_column_is_stored_on_both_databases(world: World) -> None:
    client = world.client
    name = "n" * 200
    created = client.post(f"{V1}/nations", json={"nation_id": "L" * 16, "name": name, "nato_member": False})
    assert created.status_code == 201, created.text
    source = "s" * 2000
    offer = client.post(
        f"{V1}/offers",
        json={
            "offer_id": "O" * 64,
            "nation_id": "N003",
            "item_id": "ITM-0001",
            "quantity": MAX_INTEGER,
            "available_week": 0,
            "origin_site_id": "DEP-N003-1",
            "valuation_method": "book",
            "source": source,
        },
    )
    assert offer.status_code == 201, offer.text
    assert client.get(f"{V1}/offers/{'O' * 64}").json()["source"] == source
    event = client.post(
        f"{V1}/shipments/{world.spare_shipment_id}/events",
        json={"kind": "dispatched", "note": "t" * 4000, "signatory": "g" * 200, "idempotency_key": "k" * 128},
    )
    assert event.status_code == 201, event.text
    assert event.json()["event"]["note"] == "t" * 4000


# --- injection: stored as given, shown escaped ----------------------------------------------------


def test_injection_strings_are_stored_as_given_and_shown_escaped(world: World) -> None:
    client = world.client
    extra = {PAYLOAD[:40]: PAYLOAD}
    nation_id = "N'<b>--"
    created = {
        "nation": client.post(
            f"{V1}/nations",
            json={"nation_id": nation_id, "name": PAYLOAD, "nato_member": True, "extra": extra},
        ),
        "site": client.post(
            f"{V1}/sites",
            json={
                "site_id": "DEP-<i>'1",
                "name": PAYLOAD,
                "kind": "depot",
                "nation_id": nation_id,
                "lat": 50.0,
                "lon": 20.0,
                "extra": extra,
            },
        ),
        "item": client.post(
            f"{V1}/items",
            json={
                "item_id": "ITM-<s>'1",
                "name": PAYLOAD,
                "category": _fit(PAYLOAD, 64),
                "capability": _fit(PAYLOAD, 64),
                "unit": _fit(PAYLOAD, 32),
                "unit_mass_kg": 1.0,
                "unit_value_eur": 1.0,
                "extra": extra,
            },
        ),
    }
    for what, response in created.items():
        assert response.status_code == 201, (what, response.text)
    offer = client.post(
        f"{V1}/offers",
        json={
            "offer_id": "OFF-'\"<x>",
            "nation_id": nation_id,
            "item_id": "ITM-<s>'1",
            "quantity": 5,
            "available_week": 0,
            "origin_site_id": "DEP-<i>'1",
            "valuation_method": "market",
            "source": PAYLOAD,
            "extra": extra,
        },
    )
    assert offer.status_code == 201, offer.text
    requirement = client.post(
        f"{V1}/requirements",
        json={
            "requirement_id": "REQ-'<r>",
            "item_id": "ITM-<s>'1",
            "quantity": 3,
            "priority": 1,
            "weight": 1.0,
            "due_week": 5,
            "delivery_site_id": "DLV-01",
            "extra": extra,
        },
    )
    assert requirement.status_code == 201, requirement.text
    course = client.post(
        f"{V1}/courses",
        json={
            "nation_id": nation_id,
            "specialty": _fit(PAYLOAD, 64),
            "seats": 3,
            "start_week": 1,
            "duration_weeks": 2,
            "site_id": "DEP-<i>'1",
            "extra": extra,
        },
    )
    assert course.status_code == 201, course.text
    need = client.post(
        f"{V1}/training-needs",
        json={
            "specialty": _fit(PAYLOAD, 64),
            "trainees": 2,
            "priority": 1,
            "weight": 1.0,
            "due_week": 3,
            "extra": extra,
        },
    )
    assert need.status_code == 201, need.text
    changes = [{"kind": "delay", "weeks": 1}]
    saved = client.post(
        f"{V1}/whatif/scenarios",
        json={"name": "injected", "description": PAYLOAD, "changes": changes},
    )
    assert saved.status_code == 201, saved.text
    token = client.post(f"{V1}/auth/tokens", json={"name": PAYLOAD})
    assert token.status_code == 201, token.text
    if client.get(f"{V1}/shipments/{world.shipment_id}").json()["status"] == "planned":
        dispatched = client.post(f"{V1}/shipments/{world.shipment_id}/events", json={"kind": "dispatched"})
        assert dispatched.status_code == 201, dispatched.text
    event = client.post(
        f"{V1}/shipments/{world.shipment_id}/events",
        json={"kind": "delayed", "note": PAYLOAD, "signatory": PAYLOAD, "idempotency_key": PAYLOAD},
    )
    assert event.status_code == 201, event.text
    cancelled = client.post(f"{V1}/requirements/REQ-'<r>/cancel", json={"reason": PAYLOAD})
    assert cancelled.status_code == 200, cancelled.text
    withdrawn = client.post(f"{V1}/offers/OFF-'\"<x>/withdraw", json={"reason": PAYLOAD})
    assert withdrawn.status_code == 200, withdrawn.text

    # Read back exactly as given, and every table is still there.
    assert client.get(f"{V1}/nations/{nation_id}").json()["name"] == PAYLOAD
    assert client.get(f"{V1}/nations/{nation_id}").json()["extra"] == extra
    assert client.get(f"{V1}/sites/DEP-<i>'1").json()["name"] == PAYLOAD
    item = client.get(f"{V1}/items/ITM-<s>'1").json()
    assert (item["name"], item["unit"]) == (PAYLOAD, _fit(PAYLOAD, 32))
    read_offer = client.get(f"{V1}/offers/OFF-'\"<x>").json()
    assert (read_offer["source"], read_offer["withdrawal_reason"], read_offer["extra"]) == (
        PAYLOAD,
        PAYLOAD,
        extra,
    )
    assert client.get(f"{V1}/requirements/REQ-'<r>").json()["extra"]["cancellation_reason"] == PAYLOAD
    timeline = client.get(f"{V1}/shipments/{world.shipment_id}").json()["events"]
    assert (timeline[-1]["note"], timeline[-1]["signatory"]) == (PAYLOAD, PAYLOAD)
    assert PAYLOAD in [t["name"] for t in client.get(f"{V1}/auth/tokens").json()]
    assert client.get(f"{V1}/whatif/scenarios/injected").json()["description"] == PAYLOAD
    assert table_row_counts(world.engine)["offers"] > 0

    # The dashboard shows them escaped: the text is there, the tag is not.
    with TestClient(client.app) as browser:
        signed_in = browser.post(
            "/login", data={"user_id": world.user_id, "password": PASSWORD}, follow_redirects=False
        )
        assert signed_in.status_code == 303, signed_in.text
        for page, shown in (("/pledges", read_offer["source"]), (f"/shipments/{world.shipment_id}", PAYLOAD)):
            html = browser.get(page).text
            assert _escaped(shown) in html, page
            assert HTML not in html, page
        # A NUL in a form is refused with a page, and nothing is written.
        before = table_row_counts(world.engine)
        form = {"csrf_token": browser.cookies[CSRF_COOKIE], "kind": "delayed", "note": "a\x00b"}
        refused = browser.post(f"/shipments/{world.shipment_id}/events", data=form)
        assert refused.status_code == 422
        assert "NUL" in refused.text
        long_signatory = {**form, "note": "ok", "signatory": "s" * 201}
        shown = browser.post(f"/shipments/{world.shipment_id}/events", data=long_signatory)
        assert "at most 200 characters" in shown.text
        assert table_row_counts(world.engine) == before
