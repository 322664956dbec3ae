"""The API's routers: plain (sync) handlers that cost one trip to the thread pool, not two.

FastAPI runs a sync handler in the thread pool and then, because the handler was sync, validates its
return value in the thread pool again before serialising it. Both trips cost a few hundred
microseconds of a busy server's CPU on every request. `ThreadedRoute` hands FastAPI an async wrapper of
each sync handler that runs the handler in the pool once; the validation of the model it returns (a
model instance: nothing to do) and the serialisation (pydantic-core) then run on the event loop.
Handlers stay plain functions that call the services, which block on the database.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.routing import APIRoute


def threaded(handler: Callable[..., Any]) -> Callable[..., Any]:
    """An async wrapper of the sync `handler` that runs it in the thread pool; async ones unchanged."""
    if not inspect.isfunction(handler) or inspect.iscoroutinefunction(handler):
        return handler

    # functools.wraps keeps the signature (FastAPI reads the parameters and the return annotation
    # through __wrapped__, and resolves string annotations in the handler's module).
    @functools.wraps(handler)
    async def run(*args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(handler, *args, **kwargs)

    return run


class ThreadedRoute(APIRoute):
    """An API route whose sync handler runs in the thread pool once (see the module's docstring)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, threaded(endpoint), **kwargs)


def api_router(**kwargs: Any) -> APIRouter:
    """A router of API routes (`ThreadedRoute`); the arguments are APIRouter's."""
    return APIRouter(route_class=ThreadedRoute, **kwargs)
