"""HTML pages (Jinja2 templates from frontend/) and static files.

The pages are server-rendered shells; the browser talks to the same JSON/SSE API every client uses
(`/ask/stream`, `/telemetry/summary`, `/calculator/estimate`), so the UI has no private endpoints.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from semcache import __version__
from semcache.api.deps import SettingsDep
from semcache.api.skus import sku_table
from semcache.config import Settings

__all__ = ["mount_static", "router"]

router = APIRouter(tags=["pages"], include_in_schema=False)


def frontend_dir(settings: Settings) -> Path:
    # backend/src/semcache/api/routes/pages.py -> the repository root is five levels up.
    return settings.frontend_dir or Path(__file__).resolve().parents[5] / "frontend"


def mount_static(app: FastAPI, settings: Settings) -> None:
    """Serve frontend/static at /static (the UI issue fills in templates and assets)."""
    from fastapi.staticfiles import StaticFiles

    static = frontend_dir(settings) / "static"
    if static.is_dir():
        app.mount("/static", StaticFiles(directory=static), name="static")


@lru_cache(maxsize=4)
def _templates(directory: Path) -> Jinja2Templates:
    # One environment per template directory (tests run apps with different SEMCACHE_FRONTEND_DIRs).
    return Jinja2Templates(directory=directory)


def _render(request: Request, settings: Settings, name: str, page: str, **context: object) -> HTMLResponse:
    templates = _templates(frontend_dir(settings) / "templates")
    # `v` busts browser caches of /static when the package version changes.
    base = {"page": page, "version": __version__, "v": __version__}
    return templates.TemplateResponse(request, name, {**base, **context})


@router.get("/", response_class=HTMLResponse)
async def chat_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    return _render(request, settings, "chat.html", "chat", model=settings.llm_model or "")


@router.get("/metrics-view", response_class=HTMLResponse)
async def metrics_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    return _render(request, settings, "metrics.html", "metrics")


@router.get("/entries", response_class=HTMLResponse)
async def entries_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    return _render(request, settings, "entries.html", "entries")


@router.get("/calculator", response_class=HTMLResponse)
async def calculator_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    table = sku_table()
    # The SKU table is embedded in the page so the calculator computes on first paint, offline.
    return _render(request, settings, "calculator.html", "calculator", sku_table=dataclasses.asdict(table))
