"""Single flight across replicas: a short lock per entry id while one replica generates its answer."""

from __future__ import annotations

from semcache.cache.keyspace import Keyspace, unavailable_on

__all__ = ["FlightLockKeys"]

# Only the holder may release: a leader that outlived its lock must not free a successor's.
_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


class FlightLockKeys:
    """The lock half of `base.FlightLocks` (RedisStore adds the read of the entry a leader stored)."""

    def __init__(self, keyspace: Keyspace) -> None:
        self._ks = keyspace

    def key(self, entry_id: str) -> str:
        return f"{self._ks.spec.stats_key.removesuffix(':stats')}:flight:{entry_id}"

    async def acquire(self, entry_id: str, token: str, *, ttl_ms: int) -> bool:
        with unavailable_on("flight lock failed"):
            return bool(await self._ks.client.set(self.key(entry_id), token, nx=True, px=ttl_ms))

    async def held(self, entry_id: str) -> bool:
        with unavailable_on("flight lock check failed"):
            return bool(await self._ks.client.exists(self.key(entry_id)))

    async def release(self, entry_id: str, token: str) -> None:
        with unavailable_on("flight unlock failed"):
            await self._ks.client.eval(_RELEASE, 1, self.key(entry_id), token)
