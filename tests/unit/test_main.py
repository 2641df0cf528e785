"""create_app leaves nothing for FastAPI to build on a request thread (the cause of a flaky 500)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import httpx
import pytest

from semcache.config import Settings
from semcache.main import create_app


@pytest.fixture
def catch_warnings_entries(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Records each `warnings.catch_warnings()` entered. It swaps the process-wide filter list and is not
    thread-safe, so two servers in one process entering it at once can let a silenced warning through."""
    entered: list[str] = []
    original = warnings.catch_warnings

    class Recording(original):  # type: ignore[misc, valid-type]  # subclassing the stdlib class to observe it
        def __enter__(self) -> object:
            entered.append("enter")
            return super().__enter__()

    monkeypatch.setattr(warnings, "catch_warnings", Recording)
    yield entered


async def test_first_requests_build_no_routes(catch_warnings_entries: list[str]) -> None:
    app = create_app(Settings(_env_file=None, REDIS_URL="redis://127.0.0.1:9"))
    built_at_create = len(catch_warnings_entries)
    assert built_at_create > 0  # the route dependants and the OpenAPI document were built just now
    # No lifespan: the routes fail on missing resources, after FastAPI matched them and solved their params.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        for path in ("/v1/models", "/cache/stats", "/health", "/openapi.json", "/no/such/route"):
            await client.get(path)
        await client.post("/v1/chat/completions", json={"model": "m", "messages": []})
    assert len(catch_warnings_entries) == built_at_create
