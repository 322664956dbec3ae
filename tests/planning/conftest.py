"""Fixtures of the planning tests: scenarios built straight from the dataclasses (see factory.py)."""

from __future__ import annotations

import pytest

from aidcoord.scenario.model import Scenario
from tests.planning import factory


@pytest.fixture
def one_to_one() -> Scenario:
    """One offer of 10 A at D1 (week 0), one requirement of 8 A at P1 due week 5, leads 1 + 1."""
    return factory.simple(offers=[factory.offer("O1", "A", 10)], requirements=[factory.req("R1", "A", 8, 5)])
