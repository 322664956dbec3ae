"""Entity tags for optimistic concurrency: derived from an entity's current view, never stored.

An ETag is the SHA-256 of the view's canonical JSON (sorted keys, no whitespace), quoted as HTTP
wants it. Any change to what a reader sees changes it, so no column or migration is needed. A write
given `If-Match` compares it with the entity's current tag after locking the row, inside the same
transaction, so that no concurrent change can slip between the check and the write.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from aidcoord.errors import PreconditionFailed


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def etag_of(view: Any) -> str:
    """The strong ETag (quoted) of an entity's view (a dataclass)."""
    canonical = json.dumps(_plain(view), sort_keys=True, separators=(",", ":"), default=str)
    return f'"{hashlib.sha256(canonical.encode()).hexdigest()}"'


def matches(if_match: str, current: str) -> bool:
    """Whether an If-Match header value (`*` or a comma-separated list of tags) names `current`."""
    tags = [tag.strip() for tag in if_match.split(",") if tag.strip()]
    return "*" in tags or current in tags


def check_if_match(what: str, if_match: str | None, view: Any) -> None:
    """PreconditionFailed (412) naming the current ETag when `if_match` is given and does not match."""
    if if_match is None:
        return
    current = etag_of(view)
    if not matches(if_match, current):
        raise PreconditionFailed(
            f"{what} has changed since it was read: If-Match {if_match.strip()} does not match its "
            f"current ETag {current}; fetch it again and retry"
        )
