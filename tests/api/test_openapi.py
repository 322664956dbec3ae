"""The OpenAPI document is a valid OpenAPI document, and documents optimistic concurrency."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openapi_spec_validator import validate

from aidcoord.api.app import create_app

CONDITIONAL_WRITES = [
    ("patch", "/api/v1/requirements/{requirement_id}"),
    ("post", "/api/v1/requirements/{requirement_id}/reprioritise"),
    ("post", "/api/v1/requirements/{requirement_id}/cancel"),
    ("patch", "/api/v1/offers/{offer_id}"),
    ("post", "/api/v1/offers/{offer_id}/commit"),
    ("post", "/api/v1/offers/{offer_id}/withdraw"),
    ("post", "/api/v1/shipments/{shipment_id}/events"),
]


def _document(tmp_path: Path) -> dict[str, Any]:
    app = create_app(f"sqlite:///{tmp_path / 'unused.db'}")  # the engine never connects
    try:
        return app.openapi()
    finally:
        app.state.engine.dispose()


def test_the_openapi_document_validates(tmp_path: Path) -> None:
    validate(_document(tmp_path))  # raises OpenAPIValidationError naming the first fault


def test_conditional_writes_document_if_match_412_and_etag(tmp_path: Path) -> None:
    paths = _document(tmp_path)["paths"]
    for method, path in CONDITIONAL_WRITES:
        operation = paths[path][method]
        assert "412" in operation["responses"], (method, path)
        assert "application/problem+json" in operation["responses"]["412"]["content"]
        success = "201" if path.endswith("/events") else "200"
        assert "ETag" in operation["responses"][success]["headers"], (method, path)
        headers = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
        assert headers == ["If-Match"], (method, path)
    for path in (
        "/api/v1/requirements/{requirement_id}",
        "/api/v1/offers/{offer_id}",
        "/api/v1/shipments/{shipment_id}",
    ):
        assert "ETag" in paths[path]["get"]["responses"]["200"]["headers"]
