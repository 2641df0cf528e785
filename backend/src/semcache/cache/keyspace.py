"""What every part of the Redis store shares: one client and the index whose keys it works on."""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from semcache.cache.schema import IndexSpec
from semcache.errors import CacheUnavailableError

__all__ = ["Keyspace", "unavailable_on"]


@dataclass(frozen=True)
class Keyspace:
    client: aioredis.Redis
    spec: IndexSpec

    async def command(self, *args: str | int | bytes) -> Any:
        # FT.* have no typed wrappers that return raw replies; this is the one untyped call site.
        return await self.client.execute_command(*args)  # type: ignore[no-untyped-call]


class unavailable_on:  # used as a statement: `with unavailable_on("cache read failed"):`
    """Turns a redis error inside the block into CacheUnavailableError("<what>: <error>"), the one error the
    availability gate and the callers degrade on. `__exit__` returns None, so nothing is ever swallowed (and
    mypy knows a block that returns always returns)."""

    def __init__(self, what: str) -> None:
        self._what = what

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if isinstance(error, RedisError):
            raise CacheUnavailableError(f"{self._what}: {error}") from error
