"""Fixtures of the shipments tests (also imported by tests/api/test_shipments_api.py)."""

from tests.shipments.fixtures import shipped_engine, shipped_template

__all__ = ["shipped_engine", "shipped_template"]
