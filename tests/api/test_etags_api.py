"""Optimistic concurrency over HTTP: ETags and If-Match on requirements and offers; both databases."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from aidcoord.db import session_scope
from tests.api.helpers import PROBLEM, V1
from tests.offers.factory import load

STALE = '"0000000000000000000000000000000000000000000000000000000000000000"'


@pytest.fixture
def client(api: TestClient, migrated_engine: Engine) -> TestClient:
    """The API over the generated scenario S (seed 1)."""
    with session_scope(migrated_engine) as session:
        load(session)
    return api


def etag(response: Any) -> str:
    assert response.status_code in (200, 201), response.text
    tag: str = response.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{64}"', tag), tag
    return tag


def refused(response: Any, current: str) -> None:
    """A 412 problem naming the current ETag."""
    assert response.status_code == 412, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert (body["status"], body["code"], body["title"]) == (
        412,
        "precondition_failed",
        "Precondition failed",
    )
    assert current in body["detail"]


def unchanged(client: TestClient, path: str, before: Any) -> None:
    after = client.get(path)
    assert (after.json(), etag(after)) == (before.json(), etag(before))


def test_requirement_etags_and_if_match(client: TestClient) -> None:
    requirement_id = client.get(f"{V1}/requirements", params={"limit": 1}).json()["items"][0][
        "requirement_id"
    ]
    path = f"{V1}/requirements/{requirement_id}"
    first = client.get(path)
    tag = etag(first)
    assert etag(client.get(path)) == tag  # stable while nothing changes

    for method, url, body in (
        ("PATCH", path, {"quantity": 7}),
        ("POST", f"{path}/reprioritise", {"priority": 2}),
        ("POST", f"{path}/cancel", {"reason": "stale"}),
    ):
        refused(client.request(method, url, json=body, headers={"If-Match": STALE}), tag)
        unchanged(client, path, first)

    edited = client.patch(path, json={"quantity": 7}, headers={"If-Match": tag})
    assert edited.json()["quantity"] == 7
    edited_tag = etag(edited)
    assert edited_tag != tag
    assert etag(client.get(path)) == edited_tag
    # the tag read before the edit is now stale: a lost update is refused
    before = client.get(path)
    refused(client.post(f"{path}/reprioritise", json={"priority": 2}, headers={"If-Match": tag}), edited_tag)
    unchanged(client, path, before)

    moved = client.post(f"{path}/reprioritise", json={"priority": 2}, headers={"If-Match": edited_tag})
    assert moved.json()["priority"] == 2
    moved_tag = etag(moved)
    assert moved_tag != edited_tag
    unconditional = client.patch(path, json={"due_week": 12})  # no If-Match: still allowed
    assert unconditional.json()["due_week"] == 12
    assert etag(unconditional) not in (moved_tag, edited_tag)
    cancelled = client.post(f"{path}/cancel", json={"reason": "done"}, headers={"If-Match": "*"})
    assert cancelled.json()["status"] == "cancelled"
    assert etag(cancelled) == etag(client.get(path))

    created = client.post(
        f"{V1}/requirements",
        json={
            "requirement_id": "REQ-ETAG",
            "item_id": "ITM-0001",
            "quantity": 3,
            "priority": 1,
            "weight": 1.0,
            "due_week": 10,
            "delivery_site_id": "DLV-01",
        },
    )
    assert etag(created) == etag(client.get(f"{V1}/requirements/REQ-ETAG"))


def test_offer_etags_and_if_match(client: TestClient) -> None:
    offer_id = next(
        o["offer_id"] for o in client.get(f"{V1}/offers", params={"status": "announced"}).json()["items"]
    )
    path = f"{V1}/offers/{offer_id}"
    first = client.get(path)
    tag = etag(first)

    for method, url, body in (
        ("PATCH", path, {"source": "stale"}),
        ("POST", f"{path}/commit", None),
        ("POST", f"{path}/withdraw", {"reason": "stale"}),
    ):
        refused(client.request(method, url, json=body, headers={"If-Match": STALE}), tag)
        unchanged(client, path, first)

    amended = client.patch(
        path, json={"source": "https://example.org/x"}, headers={"If-Match": f"{STALE}, {tag}"}
    )
    assert amended.json()["source"] == "https://example.org/x"
    amended_tag = etag(amended)
    assert amended_tag != tag
    before = client.get(path)
    refused(client.post(f"{path}/commit", headers={"If-Match": tag}), amended_tag)
    unchanged(client, path, before)

    committed = client.post(f"{path}/commit", headers={"If-Match": amended_tag})
    assert committed.json()["status"] == "committed"
    committed_tag = etag(committed)
    assert committed_tag != amended_tag
    withdrawn = client.post(
        f"{path}/withdraw", json={"reason": "budget"}, headers={"If-Match": committed_tag}
    )
    assert withdrawn.json()["offer"]["status"] == "withdrawn"
    assert etag(withdrawn) == etag(client.get(path)) != committed_tag

    other = next(
        o["offer_id"] for o in client.get(f"{V1}/offers", params={"status": "announced"}).json()["items"]
    )
    assert client.post(f"{V1}/offers/{other}/commit").json()["status"] == "committed"  # no If-Match
