"""create_app(settings): assembles the FastAPI app. Start-up work happens in the lifespan, not here."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.middleware.cors import CORSMiddleware

from semcache import __version__, runtime
from semcache.api import errors
from semcache.api.deps import enforce_rate_limit
from semcache.api.limits import BodySizeLimit, UnicodeGuard
from semcache.api.middleware import RequestContext
from semcache.api.routes import (
    ask,
    cache,
    calculator,
    completions,
    entries,
    feedback,
    health,
    openai,
    pages,
    responses,
    telemetry,
    transfer,
    vector,
)
from semcache.config import Settings
from semcache.telemetry import otel

__all__ = ["RATE_LIMITED", "ROUTERS", "create_app"]

log = logging.getLogger(__name__)

#: What a browser on an allowed origin may send and read (the SDK headers and our cache controls).
CORS_REQUEST_HEADERS = ["authorization", "api-key", "content-type", "cache-control", "x-request-id",
                        "x-semcache-ttl", "x-semcache-threshold", "x-semcache-namespace",
                        "x-semcache-tags"]  # fmt: skip
CORS_RESPONSE_HEADERS = ["x-request-id", "x-semcache-status", "x-semcache-similarity", "x-semcache-entry",
                         "x-semcache-reason", "x-semcache-billed-tokens", "retry-after", "age"]  # fmt: skip


#: Every router, in the order they are matched.
ROUTERS = (
    ask.router,
    openai.router,
    responses.router,
    completions.router,
    cache.router,
    entries.router,
    transfer.router,
    feedback.router,
    telemetry.router,
    vector.router,
    health.router,
    calculator.router,
    pages.router,
)
#: The routers behind RATE_LIMIT_PER_MINUTE are the API a key spends: all but telemetry, health and the pages.
RATE_LIMITED = tuple(r for r in ROUTERS if r not in (telemetry.router, health.router, calculator.router, pages.router))


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    # Before the app exists, so its instrumentation sees FastAPI and redis being set up.
    otel.configure_if_set(settings)
    app = FastAPI(
        title="semcache",
        version=__version__,
        summary="A semantic cache in front of any OpenAI-compatible LLM.",
        lifespan=_lifespan(settings),
    )
    errors.install(app)
    _add_middleware(app, settings)
    for router in ROUTERS:
        app.include_router(router, dependencies=[Depends(enforce_rate_limit)] if router in RATE_LIMITED else None)
    pages.mount_static(app, settings)
    _build_routes_now(app)
    return app


def _lifespan(settings: Settings) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start-up and shut-down: everything the routes use is built here and kept on `app.state.resources`."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resources = await runtime.start(settings)
        app.state.resources = resources
        log.info("ready on http://%s:%s (UI at /, API docs at /docs)", settings.host, settings.port)
        try:
            yield
        finally:
            await runtime.stop(resources)

    return lifespan


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    # Added inner to outer: the request id and access log wrap everything, CORS headers reach 413s too.
    app.add_middleware(UnicodeGuard)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    if settings.cors_origin_list:  # closed by default: no CORS headers at all, browsers stay same-origin
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            allow_headers=CORS_REQUEST_HEADERS,
            expose_headers=CORS_RESPONSE_HEADERS,
            allow_credentials=False,  # bearer keys, never cookies
            max_age=600,
        )
    app.add_middleware(RequestContext)


def _build_routes_now(app: FastAPI) -> None:
    """Build every route's dependant and the OpenAPI document here, on the caller's thread.

    FastAPI (>= 0.16x) otherwise builds an included router's routes lazily on the first request, inside
    `warnings.catch_warnings()`. That context manager swaps the process-wide warning filters and is not
    thread-safe: two apps in one process (two replicas in a test, a threaded server) building at once
    restore each other's filters, and a pydantic warning FastAPI meant to silence escapes; under
    warnings-as-errors it became a 500 on a random first request. `openapi()` walks every route, so
    nothing is left to build lazily (~0.1 s, once per app).
    """
    app.openapi()
