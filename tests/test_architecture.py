"""The functional core imports nothing of the imperative shell (DESIGN.md: imports point inward)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "aidcoord"
CORE = ("scenario", "planning", "analysis")
FORBIDDEN = ("sqlalchemy", "alembic", "fastapi", "starlette", "typer", "rich", "uvicorn")
FORBIDDEN_OWN = ("aidcoord.db", "aidcoord.api", "aidcoord.web", "aidcoord.cli", "aidcoord.dataset")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth of the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("package", CORE)
def test_core_does_not_import_the_shell(package: str) -> None:
    files = sorted((SRC / package).rglob("*.py"))
    assert files, f"no modules found in {package}"
    offending = {
        f"{path.relative_to(SRC)}: {module}"
        for path in files
        for module in imported_modules(path)
        if module.split(".")[0] in FORBIDDEN
        or any(module == own or module.startswith(own + ".") for own in FORBIDDEN_OWN)
        or (module.startswith("aidcoord.") and module.split(".")[1] not in (*CORE, "errors"))
    }
    assert not offending, sorted(offending)


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("def f():\n    from sqlalchemy import select\n", encoding="utf-8")
    assert "sqlalchemy" in imported_modules(sample)


def test_the_command_line_starts_without_the_web_stack_openpyxl_and_psycopg() -> None:
    # Each is a tenth of a second or more of every command's start; only serving, workbooks and
    # PostgreSQL need them, and they are imported there (see ARCHITECTURE, Rules).
    heavy = "{'fastapi', 'openpyxl', 'psycopg'}"
    probe = f"import sys, aidcoord.cli.main; print(sorted({heavy} & set(sys.modules)))"
    shown = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    assert shown.stdout.strip() == "[]"
