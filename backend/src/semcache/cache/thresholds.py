"""The learned per-namespace thresholds in Redis (verify/learning.py says what they mean).

One HASH `{prefix}:learn:thresholds`, field `{tenant}\\x1f{namespace}` -> JSON `{"similarity", "judged",
"wrong"}`. A move is a compare-and-set in one script, so replicas that decide at once move it once.
"""

from __future__ import annotations

import json

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from semcache.cache.codec import text
from semcache.errors import CacheUnavailableError
from semcache.verify.learning import Learned

__all__ = ["RedisThresholds", "decode", "encode"]

# KEYS[1] the hash; ARGV: field, the value expected now ("" = none), the new value.
_MOVE = """
local now = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if now ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
"""


def encode(state: Learned) -> str:
    return json.dumps({"similarity": state.similarity, "judged": state.judged, "wrong": state.wrong})


def decode(raw: object) -> Learned | None:
    try:
        value = json.loads(text(raw))
        return Learned(float(value["similarity"]), int(value["judged"]), int(value["wrong"]))
    except (ValueError, KeyError, TypeError):
        return None


class RedisThresholds:
    def __init__(self, client: aioredis.Redis, *, prefix: str) -> None:
        self._client = client
        self.key = f"{prefix}:learn:thresholds"

    async def read(self) -> dict[tuple[str, str], Learned]:
        try:
            raw = await self._client.hgetall(self.key)
        except RedisError as e:
            raise CacheUnavailableError(f"learned thresholds unavailable: {type(e).__name__}") from e
        out = {}
        for field, value in raw.items():
            tenant, _, namespace = text(field).partition("\x1f")
            state = decode(value)
            if state is not None:
                out[(tenant, namespace)] = state
        return out

    async def move(self, tenant: str, namespace: str, expected: Learned | None, new: Learned) -> bool:
        args = (f"{tenant}\x1f{namespace}", "" if expected is None else encode(expected), encode(new))
        try:
            return bool(await self._client.eval(_MOVE, 1, self.key, *args))
        except RedisError as e:
            raise CacheUnavailableError(f"learned threshold not stored: {type(e).__name__}") from e

    async def clear(self) -> None:
        await self._client.delete(self.key)
