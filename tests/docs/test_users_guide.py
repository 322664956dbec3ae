"""The user's guide (docs/guide) and the operator's guide name only what exists.

Every `aidcoord` command and option in their shell blocks is one the command line takes, every API call
(`curl` or the guide's `api` helper on `$API/…`) is an operation of the OpenAPI document with that method,
every relative link and anchor resolves, every role has its page, and every dashboard screenshot is shown.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from aidcoord.access.actor import ROLES
from aidcoord.api.app import create_app
from tests.docs import shell

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "guide"
PAGES = sorted(GUIDE.glob("*.md"))
DOCS = [*PAGES, ROOT / "docs" / "operations.md"]
LINK = re.compile(r"\]\((?P<target>[^)\s]+)\)")
HTTP_CLIENTS = frozenset({"curl", "api"})
DATA_OPTIONS = frozenset({"-d", "--data", "--data-binary", "--data-raw", "-F", "--form"})


def _commands(path: Path) -> list[tuple[int, list[str]]]:
    found = []
    for block in shell.blocks(path):
        if block.lang != "sh":
            continue
        for line in shell.command_lines(block.code):
            found += [(block.line, words) for words in shell.simple_commands(line)]
    return found


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    return {_slug(m) for m in re.findall(r"^#+ (.+)$", text, re.MULTILINE)}


def test_every_role_with_a_desk_has_a_page() -> None:
    index = (GUIDE / "README.md").read_text(encoding="utf-8")
    for role in ROLES:
        if role == "viewer":  # a viewer sees what its organisation's officers see: their page says so
            assert "`viewer`" in index
            continue
        page = GUIDE / f"{role.replace('_', '-')}.md"
        assert page.is_file(), f"no page for {role}"
        assert f"]({page.name})" in index


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_links_and_anchors_resolve(path: Path) -> None:
    for match in LINK.finditer(path.read_text(encoding="utf-8")):
        target = match["target"]
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        assert linked.exists(), f"{path.name}: {target} does not exist"
        if anchor:
            assert anchor in _anchors(linked), f"{path.name}: no heading for #{anchor} in {linked.name}"


def test_every_screenshot_is_shown_in_the_guide() -> None:
    shown = {
        (page.parent / m["target"]).resolve()
        for page in PAGES
        for m in LINK.finditer(page.read_text(encoding="utf-8"))
        if m["target"].endswith(".png")
    }
    assert set((ROOT / "docs" / "screenshots").glob("*.png")) <= shown
    for page in PAGES:
        if page.name != "README.md":
            assert "../screenshots/" in page.read_text(encoding="utf-8"), f"{page.name} shows no screenshot"


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_every_aidcoord_command_exists_with_its_options(path: Path) -> None:
    checked = 0
    for line, words in _commands(path):
        if shell.is_aidcoord(words[0]):
            problem = shell.check_aidcoord_command(words)
            assert problem is None, f"{path.name}, block at line {line}: {' '.join(words)}: {problem}"
            checked += 1
    if path.name != "README.md":
        assert checked or path.parent == GUIDE, f"{path.name} shows no aidcoord command"


@dataclass(frozen=True)
class Operation:
    """An API operation: its method, path pattern, query parameters and JSON body's fields."""

    method: str
    pattern: re.Pattern[str]
    query: frozenset[str]
    fields: frozenset[str] | None
    required: frozenset[str]


def _operations() -> list[Operation]:
    document = create_app("sqlite://").openapi()
    schemas = document["components"]["schemas"]
    found = []
    for template, methods in document["paths"].items():
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")
        for method, operation in methods.items():
            query = frozenset(p["name"] for p in operation.get("parameters", []) if p["in"] == "query")
            body = (
                operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            )
            if body is not None and "anyOf" in body:  # an optional body: the schema or null
                body = next(b for b in body["anyOf"] if "$ref" in b)
            if body is not None and "$ref" in body:
                body = schemas[body["$ref"].rsplit("/", 1)[-1]]
            fields = frozenset(body.get("properties", {})) if body else None
            required = frozenset(body.get("required", [])) if body else frozenset()
            found.append(Operation(method.upper(), pattern, query, fields, required))
    return found


@dataclass(frozen=True)
class Call:
    """A curl or `api` call on $API in a shell block."""

    method: str
    path: str
    query: frozenset[str]
    body: dict[str, Any] | None


def _call(words: list[str]) -> Call | None:
    """The call a curl or `api` command makes on $API, or None when it calls something else."""
    urls = [w for w in words[1:] if w.startswith("$API/")]
    if not urls:
        return None
    method, body = "GET", None
    for i, word in enumerate(words):
        if word == "-X":
            method = words[i + 1].upper()
        elif word in DATA_OPTIONS:
            method = "POST" if method == "GET" else method
            if not words[i + 1].startswith("@"):
                body = json.loads(words[i + 1])
    path, _, query = urls[0].partition("?")
    names = frozenset(part.split("=", 1)[0] for part in query.split("&") if part)
    # A shell variable stands for one path segment (an id).
    return Call(method, re.sub(r"\$\{?\w+\}?", "ID", path.removeprefix("$API")), names, body)


def test_every_api_call_is_an_operation_with_its_parameters() -> None:
    operations = _operations()
    calls = 0
    for path in DOCS:
        for line, words in _commands(path):
            if words[0] not in HTTP_CLIENTS or (call := _call(words)) is None:
                continue
            where = f"{path.name}, block at line {line}: {call.method} {call.path}"
            matching = [
                o for o in operations if o.method == call.method and o.pattern.match("/api/v1" + call.path)
            ]
            assert matching, f"{where} is not an API operation"
            (operation,) = matching
            assert call.query <= operation.query, (
                f"{where}: no query parameter {set(call.query - operation.query)}"
            )
            if call.body is not None:
                assert operation.fields is not None, f"{where} takes no JSON body"
                assert set(call.body) <= operation.fields, (
                    f"{where}: no field {set(call.body) - operation.fields}"
                )
                assert operation.required <= set(call.body), (
                    f"{where}: {set(operation.required - set(call.body))} missing"
                )
            calls += 1
    assert calls > 30
