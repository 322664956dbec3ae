"""`aidcoord requirements` end to end on a migrated SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.offers.factory import invoke, prepare_cli_database


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A migrated SQLite file holding the generated scenario S (seed 1), as AIDCOORD_DATABASE_URL."""
    prepare_cli_database(tmp_path, monkeypatch)


@pytest.mark.usefixtures("database")
def test_requirements_commands() -> None:
    code, output = invoke("requirements", "list", "--priority", "1", "--limit", "5", "--sort", "-weight")
    assert code == 0, output
    assert "5 of 20 requirements" in output
    code, output = invoke(
        "requirements", "add", "--id", "REQ-CLI", "--item", "ITM-0001", "--quantity", "7", "--priority", "2",
        "--weight", "1.5", "--due-week", "8", "--delivery-site", "DLV-02",
    )  # fmt: skip
    assert code == 0, output
    assert "REQ-CLI" in output
    assert "open" in output
    code, output = invoke("requirements", "edit", "REQ-CLI", "--quantity", "9", "--due-week", "9")
    assert code == 0, output
    code, output = invoke("requirements", "reprioritise", "REQ-CLI", "--priority", "1")
    assert code == 0, output
    code, output = invoke("requirements", "list", "--capability", "air-defence", "--priority", "1")
    assert "REQ-CLI" in output
    code, output = invoke("requirements", "cancel", "REQ-CLI", "--reason", "covered")
    assert code == 0, output
    assert "cancelled" in output
    code, output = invoke("requirements", "list", "--status", "cancelled")
    assert "1 of 1 requirements" in output
    # Refusals: exit 2 with the message, never a traceback.
    code, output = invoke("requirements", "cancel", "REQ-CLI")
    assert code == 2
    assert "is cancelled" in output
    assert "Traceback" not in output
    code, output = invoke("requirements", "edit", "REQ-00001", "--delivery-site", "HUB-01")
    assert code == 2
    assert "column delivery_site_id" in output
    code, output = invoke("requirements", "list", "--status", "closed")
    assert code == 2
    assert "status must be one of open, cancelled" in output
    code, output = invoke("requirements", "add", "--item", "ITM-0001", "--quantity", "many")
    assert code == 2
    assert "Traceback" not in output
