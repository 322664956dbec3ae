"""What every request body shares: `InputModel`, the base of the API's input schemas.

A request body is checked against its documented type exactly, and may only carry what both databases
can store, so that a hostile value is a 422 naming its field instead of a 500 from the database:

- strict types: `0` is not `false`, `false` is not `0`, `"1"` is not `1` (dates still come as text);
  JSON has one kind of number, so `2.0` is the whole number 2 wherever a whole number is asked for;
- no field that is not documented (`extra="forbid"`);
- numbers are finite (JSON `NaN` and `Infinity`, which Python's parser accepts, are refused);
- whole numbers lie within ±`MAX_INTEGER`, what a PostgreSQL `integer` column holds (SQLite holds more,
  but both databases must answer alike); the bound is written into the OpenAPI document;
- text, at any depth, holds no NUL character (PostgreSQL refuses it in text) and no lone surrogate
  (which cannot be encoded as UTF-8); lengths are each field's own `max_length`, never above its column.
  The document says so with a `pattern` on every text field (and on the keys of objects).

`never_null(...)` is the validator of a PATCH field that may be left out but not set to null; the
OpenAPI document then shows the field without `null`.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from aidcoord.db.column_limits import text_problem
from aidcoord.scenario.io import MAX_INTEGER

__all__ = ["MAX_INTEGER", "InputModel", "never_null", "unstorable"]


def unstorable(value: Any) -> str | None:
    """Why `value` (text, a number, or lists and objects of them) cannot be stored as given, or None."""
    if isinstance(value, str):
        return text_problem(value, None)
    if isinstance(value, int) and not isinstance(value, bool):
        if not -MAX_INTEGER - 1 <= value <= MAX_INTEGER:
            return f"a whole number must lie between {-MAX_INTEGER - 1} and {MAX_INTEGER}"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            problem = unstorable(key) or unstorable(item)
            if problem is not None:
                return f"{problem} (at {str(key)[:64]!r})"
        return None
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            problem = unstorable(item)
            if problem is not None:
                return f"{problem} (at item {index})"
    return None


def _refuse_null(value: Any) -> Any:
    """A PATCH may leave a field out, but may not set it to null."""
    if value is None:
        raise ValueError("may be left out but not set to null")
    return value


def never_null(*fields: str) -> Any:
    """The validator of PATCH fields that may be left out but not set to null (documented as such)."""
    return field_validator(*fields)(_refuse_null)


def _without_null(prop: dict[str, Any]) -> None:
    # `X | None = None` is documented as anyOf [X, null]; a never-null field is only X.
    variants = [v for v in prop.get("anyOf", ()) if v.get("type") != "null"]
    if "anyOf" in prop:
        del prop["anyOf"]
        if len(variants) == 1:
            prop.update(variants[0])
        else:
            prop["anyOf"] = variants
    if prop.get("default", 0) is None:
        del prop["default"]


NO_NUL = "^[^\\u0000]*$"
"""The JSON Schema pattern of text without the NUL character."""


def _bound(prop: dict[str, Any]) -> None:
    # What JSON Schema can say of `unstorable`: text patterns and integer bounds, at any depth.
    if prop.get("type") == "string" and "enum" not in prop and "format" not in prop:
        prop.setdefault("pattern", NO_NUL)
    if prop.get("type") == "object":
        prop.setdefault("propertyNames", {"pattern": NO_NUL})
    if prop.get("type") == "integer":
        prop["maximum"] = min(prop.get("maximum", MAX_INTEGER), MAX_INTEGER)
        if "exclusiveMinimum" not in prop:
            prop["minimum"] = max(prop.get("minimum", -MAX_INTEGER - 1), -MAX_INTEGER - 1)
    for key in ("anyOf", "oneOf", "allOf"):
        for variant in prop.get(key, ()):
            _bound(variant)
    for key in ("items", "additionalProperties"):
        if isinstance(prop.get(key), dict):
            _bound(prop[key])


def _document(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Write the input rules that JSON Schema can say into the model's OpenAPI schema."""
    never = {
        field
        for decorator in model.__pydantic_decorators__.field_validators.values()
        if decorator.func is _refuse_null
        for field in decorator.info.fields
    }
    for name, prop in schema.get("properties", {}).items():
        if name in never:
            _without_null(prop)
        _bound(prop)


def _takes_int(annotation: Any) -> bool:
    """Whether a field's type is int or int | None."""
    if annotation is int:
        return True
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    return union and int in typing.get_args(annotation)


class InputModel(BaseModel):
    """The base of every request body: strict, closed, finite and storable (see the module)."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        allow_inf_nan=False,
        json_schema_extra=_document,
    )

    @model_validator(mode="before")
    @classmethod
    def _whole_numbers(cls, data: Any) -> Any:
        # Strict mode refuses the float 2.0 for an int, but JSON Schema (and JSON) call it an integer.
        if not isinstance(data, dict):
            return data
        fixed = dict(data)
        for name, field in cls.model_fields.items():
            key = field.alias or name
            value = fixed.get(key)
            if isinstance(value, float) and value.is_integer() and _takes_int(field.annotation):
                fixed[key] = int(value)
        return fixed

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        problem = unstorable(value)
        if problem is not None:
            raise ValueError(problem)
        return value
