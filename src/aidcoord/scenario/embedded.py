"""Scenario packages shipped inside aidcoord (`nsatu`), found by name."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

EMBEDDED: tuple[str, ...] = ("nsatu",)


def embedded_path(name: str) -> Path:
    """The folder of the embedded scenario package `name`."""
    root = resources.files("aidcoord") / "data" / "scenarios" / name
    return Path(str(root))


def resolve(name_or_dir: str) -> Path:
    """A package folder: an embedded scenario's when `name_or_dir` names one, else the path given."""
    if name_or_dir in EMBEDDED and not Path(name_or_dir).exists():
        return embedded_path(name_or_dir)
    return Path(name_or_dir)
