"""Routes ask for the parts they use (ServiceDep, StoreDep, GateDep...), never for the whole Resources bag:
a signature then says what a route touches, and a route cannot reach past the availability gate unnoticed."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.routing import APIRoute

import semcache.api.routes
from semcache.api.deps import get_resources


def _routes() -> Iterator[APIRoute]:
    for info in pkgutil.iter_modules(semcache.api.routes.__path__):
        router = getattr(importlib.import_module(f"semcache.api.routes.{info.name}"), "router", None)
        if isinstance(router, APIRouter):
            yield from (r for r in router.routes if isinstance(r, APIRoute))


def test_no_route_takes_the_whole_resources_bag() -> None:
    routes = list(_routes())
    assert len(routes) > 20  # the walk found the API
    bagged = {route.path for route in routes if any(sub.call is get_resources for sub in route.dependant.dependencies)}
    assert not bagged, f"routes taking ResourcesDep: {sorted(bagged)}"
