"""Reading the guides' shell blocks: the exercised ones to run, and every command line to check.

A block is exercised when an HTML comment naming the databases it runs on precedes its fence:

    <!-- exercised: sqlite postgresql -->
    ```sh
    aidcoord db upgrade
    ```
"""

from __future__ import annotations

import functools
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from aidcoord.cli.main import app

BLOCK = re.compile(r"^```(?P<lang>[a-z]*)\n(?P<code>.*?)^```$", re.MULTILINE | re.DOTALL)
EXERCISED = re.compile(r"<!-- exercised: (?P<backends>[a-z ]+) -->\s*$")
SEPARATORS = frozenset("();<>|&")
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=.*", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Block:
    """A fenced code block: where it starts, its language, its text and the databases it runs on."""

    line: int
    lang: str
    code: str
    backends: frozenset[str]


def blocks(path: Path) -> list[Block]:
    """Every fenced block of a markdown file, in order."""
    text = path.read_text(encoding="utf-8")
    found = []
    for match in BLOCK.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = EXERCISED.match(before)
        backends = frozenset(marker["backends"].split()) if marker else frozenset()
        line = text.count("\n", 0, match.start()) + 1
        found.append(Block(line, match["lang"], match["code"], backends))
    return found


def script(path: Path, backend: str) -> str:
    """The exercised blocks for `backend` as one bash script that stops at the first failing command."""
    parts = ["set -euo pipefail"]
    for block in blocks(path):
        if backend in block.backends:
            parts.append(f"# --- {path.name}, line {block.line}\n{block.code}")
    return "\n".join(parts) + "\n"


def command_lines(code: str) -> list[str]:
    """The logical lines of a shell block (continuations joined)."""
    return [line for line in code.replace("\\\n", " ").splitlines() if line.strip()]


def simple_commands(line: str) -> list[list[str]]:
    """The simple commands of a shell line: words split at operators and parentheses, comments dropped."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    commands: list[list[str]] = [[]]
    for token in lexer:
        if set(token) <= SEPARATORS:
            commands.append([])
        elif commands[-1] or not ASSIGNMENT.fullmatch(token):
            commands[-1].append(token)
    return [c for c in commands if c]


def is_aidcoord(word: str) -> bool:
    """Whether a command word is the aidcoord program."""
    return word == "aidcoord" or word.endswith("/bin/aidcoord")


@functools.cache
def _root() -> Any:
    # Building the command tree takes a while; typer's own click: groups have `commands`.
    return typer.main.get_command(app)


def check_aidcoord_command(words: list[str]) -> str | None:
    """None when `aidcoord WORDS…` names an existing command with options it takes, else why not."""
    command = _root()
    rest = words[1:]
    path = ["aidcoord"]
    while getattr(command, "commands", None) is not None and rest and not rest[0].startswith("-"):
        sub = command.commands.get(rest[0])
        if sub is None:
            if command.invoke_without_command:  # e.g. `aidcoord plan` plans; the word is an argument
                break
            return f"`{' '.join(path)}` has no command {rest[0]!r}"
        path.append(rest.pop(0))
        command = sub
    options = {"--help"}
    for param in command.params:
        options.update(param.opts)
        options.update(param.secondary_opts)
    for word in rest:
        if word.startswith("-") and word != "-":
            name = word.split("=", 1)[0]
            if name not in options:
                return f"`{' '.join(path)}` has no option {name}"
    return None
