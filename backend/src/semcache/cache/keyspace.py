"""What every part of the Redis store shares: one client and the index whose keys it works on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

from semcache.cache.schema import IndexSpec

__all__ = ["Keyspace"]


@dataclass(frozen=True)
class Keyspace:
    client: aioredis.Redis
    spec: IndexSpec

    async def command(self, *args: str | int | bytes) -> Any:
        # FT.* have no typed wrappers that return raw replies; this is the one untyped call site.
        return await self.client.execute_command(*args)  # type: ignore[no-untyped-call]
