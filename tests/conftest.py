"""Shared fixtures: one real embedded Redis for the session; each service gets its own key prefix.

Every fixture closes what it opened in a `finally`, also when its test or its own set-up failed: an unclosed
socket surfaces as a ResourceWarning (an error here) in whichever test runs next, naming the wrong test."""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, cast

import pytest
import redis.asyncio as aioredis

from semcache.config import Settings
from semcache.local.redis import EmbeddedRedis
from semcache.main import create_app
from tests.support.live import LiveServer
from tests.support.upstream import Upstream

_counter = itertools.count()


@pytest.fixture(scope="session")
async def embedded_redis(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    try:
        await server.start()
        yield server
    finally:
        await server.stop()


@pytest.fixture(scope="session")
def redis_url(embedded_redis: EmbeddedRedis) -> str:
    return embedded_redis.url


@pytest.fixture
async def raw_redis(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    """A raw client of the session's Redis, for tests of the store below the service (RESP2, as the service)."""
    c = aioredis.Redis.from_url(redis_url, protocol=2)
    try:
        yield c
    finally:
        await c.aclose()


def unique_prefix() -> str:
    return f"t{os.getpid()}x{next(_counter)}"


def make_settings(redis_url: str, **env: object) -> Settings:
    """Settings for one test service: our Redis, a fresh prefix, no .env file, plus overrides."""
    values: dict[str, object] = {
        "REDIS_URL": redis_url,
        "CACHE_PREFIX": unique_prefix(),
        "LLM_PROVIDER": "compatible",
        "LLM_BASE_URL": "http://127.0.0.1:9/v1",
        # Audits draw at random (2% of semantic hits by default): off unless a test asks, so an upstream's
        # call count never depends on a draw. Their tests set CACHE_AUDIT_RATE themselves.
        "CACHE_AUDIT_RATE": 0,
    }
    values.update(env)
    # Settings takes its aliases as keyword names; values of any type are validated there.
    return Settings(_env_file=None, **cast(dict[str, Any], values))


ServiceFactory = Callable[..., LiveServer]


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def service_factory(redis_url: str, upstream: Upstream) -> Iterator[ServiceFactory]:
    """Live services against the session's Redis and this test's scripted upstream LLM."""
    started: list[LiveServer] = []

    def factory(**env: object) -> LiveServer:
        env = {"LLM_BASE_URL": upstream.url, "LLM_MAX_RETRIES": 0, **env}
        server = LiveServer(create_app(make_settings(redis_url, **env)))
        started.append(server)  # before start: one that fails to start is stopped too
        server.start()
        return server

    try:
        yield factory
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def service(service_factory: ServiceFactory) -> LiveServer:
    return service_factory()
