"""Per-request dependencies: the database session (the request boundary commits) and the actor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from aidcoord.access.actor import SYSTEM, Actor
from aidcoord.db import session_scope

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_engine(request: Request) -> Engine:
    """The app's engine."""
    engine: Engine = request.app.state.engine
    return engine


def get_session(request: Request) -> Iterator[Session]:
    """A session for this request: committed when the handler returns, rolled back when it raises."""
    with session_scope(get_engine(request), write=request.method not in READ_METHODS) as session:
        yield session


def get_actor(request: Request) -> Actor:
    """Who is calling.

    Until users and tokens exist (the access-control issue), every caller acts as the coordination
    cell, exactly like the CLI; the services already take the actor, so only this function changes.
    """
    del request
    return SYSTEM


SessionDep = Annotated[Session, Depends(get_session)]
ActorDep = Annotated[Actor, Depends(get_actor)]
