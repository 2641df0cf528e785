"""The routes' dependencies: none waits for a worker thread, none takes the whole Resources bag.

FastAPI runs a plain `def` dependency (and a plain `def` route) in its thread pool, one hand-off each, so every
one of them is `async def`. Routes ask for the parts they use (ServiceDep, StoreDep, GateDep...): a signature then
says what a route touches, and a route cannot reach past the availability gate unnoticed."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

import semcache.api.routes
from semcache.api.deps import get_resources


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _routes() -> Iterator[APIRoute]:
    for info in pkgutil.iter_modules(semcache.api.routes.__path__):
        router = getattr(importlib.import_module(f"semcache.api.routes.{info.name}"), "router", None)
        if isinstance(router, APIRouter):
            yield from (r for r in router.routes if isinstance(r, APIRoute))


def test_every_route_and_every_dependency_runs_on_the_event_loop() -> None:
    routes = list(_routes())
    assert len(routes) > 20  # the walk found the API
    threaded = {
        f"{route.path}: {getattr(call, '__qualname__', call)}"
        for route in routes
        for call in [route.endpoint, *_calls(route.dependant)]
        if not inspect.iscoroutinefunction(call)
    }
    assert not threaded, f"sync, so run in a worker thread per request: {sorted(threaded)}"


def test_no_route_takes_the_whole_resources_bag() -> None:
    routes = list(_routes())
    assert len(routes) > 20  # the walk found the API
    bagged = {route.path for route in routes if any(sub.call is get_resources for sub in route.dependant.dependencies)}
    assert not bagged, f"routes taking ResourcesDep: {sorted(bagged)}"
