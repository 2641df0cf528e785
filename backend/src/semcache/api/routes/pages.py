"""HTML pages (Jinja2 templates from frontend/) and static files."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI

from semcache.config import Settings

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
