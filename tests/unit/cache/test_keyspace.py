"""unavailable_on: the one place a redis error becomes the cache's CacheUnavailableError."""

from __future__ import annotations

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from semcache.cache.keyspace import unavailable_on
from semcache.errors import CacheUnavailableError


def test_a_redis_error_becomes_cache_unavailable_with_what_failed() -> None:
    cause = RedisConnectionError("connection refused")
    with (
        pytest.raises(CacheUnavailableError, match=r"^cache read failed: connection refused$") as caught,
        unavailable_on("cache read failed"),
    ):
        raise cause
    assert caught.value.__cause__ is cause


def test_other_errors_pass_through_unchanged() -> None:
    with pytest.raises(ValueError, match="not redis"), unavailable_on("cache read failed"):
        raise ValueError("not redis")


def test_a_block_without_an_error_completes() -> None:
    done = []
    with unavailable_on("cache read failed"):
        done.append(1)
    assert done == [1]
