"""create_app(settings): assembles the FastAPI app. Start-up work happens in the lifespan, not here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from semcache import __version__, runtime
from semcache.api import errors
from semcache.api.middleware import RequestContext
from semcache.api.routes import ask, cache, calculator, health, openai, pages, telemetry, vector
from semcache.config import Settings
from semcache.telemetry import otel


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    # Before the app exists, so its instrumentation sees FastAPI and redis being set up.
    otel.configure_if_set(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resources = await runtime.start(settings)
        app.state.resources = resources
        try:
            yield
        finally:
            await runtime.stop(resources)

    app = FastAPI(
        title="semcache",
        version=__version__,
        summary="A semantic cache in front of any OpenAI-compatible LLM.",
        lifespan=lifespan,
    )
    errors.install(app)
    app.add_middleware(RequestContext)
    for router in (
        ask.router,
        openai.router,
        cache.router,
        telemetry.router,
        vector.router,
        health.router,
        calculator.router,
        pages.router,
    ):
        app.include_router(router)
    pages.mount_static(app, settings)
    return app
