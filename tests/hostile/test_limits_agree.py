"""The limits stated in three places agree: package columns, API bodies and database columns."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from fastapi import APIRouter
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import Integer, String

import aidcoord
from aidcoord.api.inputs import InputModel
from aidcoord.db.all_models import metadata
from aidcoord.scenario.io import MAX_INTEGER, TABLES


def test_package_text_columns_are_as_long_as_the_database_columns() -> None:
    checked = 0
    for table in TABLES:
        db = metadata.tables[table.resource]
        for column in table.columns:
            kind = db.columns[column.name].type
            if isinstance(kind, String) and kind.length is not None:
                if column.max_length is None:  # an enumeration: its values must fit
                    assert column.rule.startswith("one of "), (table.resource, column.name)
                    values = column.rule.removeprefix("one of ").split(", ")
                    assert max(len(v) for v in values) <= kind.length, (table.resource, column.name)
                else:
                    assert column.max_length == kind.length, (table.resource, column.name)
                checked += 1
            elif isinstance(kind, Integer):
                assert column.type == "int", (table.resource, column.name)
    assert checked >= 25
    assert MAX_INTEGER == 2**31 - 1  # PostgreSQL's `integer`, the type of every whole-number column


def _models(annotation: object) -> list[type[BaseModel]]:
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _models(arg)]


def test_every_request_body_is_an_input_model() -> None:
    routers = [
        value
        for info in pkgutil.walk_packages(aidcoord.__path__, "aidcoord.")
        if info.name.endswith("views") and not info.name.startswith("aidcoord.web")
        for value in vars(importlib.import_module(info.name)).values()
        if isinstance(value, APIRouter)
    ]
    bodies = {
        model
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute) and route.body_field is not None
        for model in _models(route.body_field.field_info.annotation)
    }
    assert {"LoginIn", "OfferIn", "ShipmentEventIn", "WhatIfIn"} <= {m.__name__ for m in bodies}
    assert [m.__name__ for m in bodies if not issubclass(m, InputModel)] == []
