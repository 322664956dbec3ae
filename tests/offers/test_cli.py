"""`aidcoord offers` end to end on a migrated SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.offers.factory import SCENARIO, invoke, prepare_cli_database


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A migrated SQLite file holding the generated scenario S (seed 1), as AIDCOORD_DATABASE_URL."""
    prepare_cli_database(tmp_path, monkeypatch)


@pytest.mark.usefixtures("database")
def test_offers_commands() -> None:
    code, output = invoke("offers", "list", "--nation", "N003", "--status", "committed", "--limit", "3")
    assert code == 0, output
    committed_n3 = sum(1 for o in SCENARIO.offers if o.nation_id == "N003" and o.status == "committed")
    assert f"3 of {committed_n3} offers" in output
    code, output = invoke(
        "offers", "announce", "--id", "OFF-CLI", "--nation", "N001", "--item", "ITM-0002", "--quantity", "40",
        "--available-week", "2", "--origin", "DEP-N001-1", "--valuation-method", "book",
        "--source", "letter of 2025-03-01", "--announced-on", "2025-03-03",
    )  # fmt: skip
    assert code == 0, output
    assert "(computed)" in output
    assert "announced on 2025-03-03" in output
    code, output = invoke("offers", "commit", "OFF-CLI")
    assert code == 0, output
    code, output = invoke("offers", "amend", "OFF-CLI", "--quantity", "30", "--value-eur", "500000")
    assert code == 0, output
    assert "500,000" in output
    code, output = invoke("offers", "withdraw", "OFF-CLI")
    assert code == 2  # --reason is required
    code, output = invoke("offers", "withdraw", "OFF-CLI", "--reason", "budget cut")
    assert code == 0, output
    assert "withdrawn because: budget cut" in output
    code, output = invoke("offers", "commit", "OFF-CLI")
    assert code == 2
    assert "is withdrawn" in output
    assert "it is final" in output
    code, output = invoke("offers", "show", "NOPE")
    assert code == 2
    assert "does not exist" in output
    code, output = invoke(
        "offers", "announce", "--nation", "N001", "--item", "ITM-0002", "--quantity", "4",
        "--available-week", "2", "--origin", "HUB-01", "--valuation-method", "guess",
    )  # fmt: skip
    assert code == 2
    assert "column origin_site_id" in output
    assert "column valuation_method" in output
