"""The last line against text a column cannot hold: checked on every ORM flush, on both databases.

The API's schemas, the scenario package reader and the dashboard's forms refuse such text where it
comes in, naming the field. Values that reach a service some other way (a CLI option, a future form)
are checked here, before they reach the database: text longer than the column's `String(n)`, or
holding a NUL character (PostgreSQL refuses it in text) or a lone surrogate (not encodable as UTF-8, as
an undecodable byte in a command-line argument becomes), and whole numbers an `Integer` column cannot
hold. Without this SQLite would store what PostgreSQL refuses with a driver error; with it both answer
ValidationFailed (422, CLI exit 2) naming the table and column, and the transaction writes nothing.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import BigInteger, Integer, String, event, inspect
from sqlalchemy.orm import Mapper, Session, UOWTransaction

from aidcoord.errors import Problem, ValidationFailed
from aidcoord.scenario.io import MAX_INTEGER


def text_problem(value: str, length: int | None) -> str | None:
    """Why `value` cannot be stored in a text column of `length` characters (None: unbounded)."""
    if "\x00" in value:
        return "text may not contain the NUL character (U+0000)"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # only lone surrogates cannot be encoded
            return "text may not contain a lone surrogate (U+D800 to U+DFFF): it is not valid Unicode"
    if length is not None and len(value) > length:
        return f"must be at most {length} characters, got {len(value)}"
    return None


@functools.cache
def _limited(mapper: Mapper[Any]) -> tuple[tuple[str, str, int | None, bool], ...]:
    """(attribute, table, text length or None, is a text column) of a mapper's limited columns."""
    out = []
    for attribute in mapper.column_attrs:
        kind = attribute.columns[0].type
        table = str(getattr(mapper.local_table, "name", mapper.class_.__name__))
        if isinstance(kind, String):
            out.append((attribute.key, table, kind.length, True))
        elif isinstance(kind, Integer) and not isinstance(kind, BigInteger):
            out.append((attribute.key, table, None, False))
    return tuple(out)


def _problems(target: Any) -> list[Problem]:
    state = inspect(target)
    loaded = state.dict  # only what is loaded: reading an expired attribute here would query mid-flush
    problems = []
    for key, table, length, text in _limited(state.mapper):
        value = loaded.get(key)
        problem = None
        if text and isinstance(value, str):
            problem = text_problem(value, length)
        elif (
            not text
            and isinstance(value, int)
            and not isinstance(value, bool)
            and not -MAX_INTEGER - 1 <= value <= MAX_INTEGER
        ):
            problem = f"must lie between {-MAX_INTEGER - 1} and {MAX_INTEGER}, got {value}"
        if problem is not None:
            problems.append(Problem(problem, file=table, column=key))
    return problems


@event.listens_for(Session, "before_flush")
def _refuse_unstorable_text(session: Session, _context: UOWTransaction, _instances: Any) -> None:
    problems = [p for target in (*session.new, *session.dirty) for p in _problems(target)]
    if problems:
        raise ValidationFailed(
            "the change cannot be stored: " + "; ".join(str(p) for p in problems[:10]), problems
        )
