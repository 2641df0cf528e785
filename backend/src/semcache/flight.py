"""Single flight: concurrent identical misses make one upstream call.

In one process, followers read the leader's SharedStream from its first chunk. Across replicas, the
leader holds a short Redis lock on the entry id; followers elsewhere poll for the stored entry and serve
it, or lead themselves if the lock goes away with no entry (the leader failed).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from semcache.cache.base import FlightLocks
from semcache.cache.models import Entry
from semcache.errors import CacheUnavailableError
from semcache.llm.shared import SharedStream

__all__ = ["Flight", "SingleFlight"]


@dataclass
class Flight:
    key: str
    stream: SharedStream | None
    leader: bool
    entry: Entry | None = None
    token: str | None = None


class SingleFlight:
    def __init__(self, store: FlightLocks, *, lock_ttl_s: float, poll_s: float = 0.05) -> None:
        self._store = store
        self._lock_ttl_s = lock_ttl_s
        self._poll_s = poll_s
        self._local: dict[str, asyncio.Future[Flight | None]] = {}
        # Locks a leader could not release because Redis was down. Left alone they would live out their TTL
        # (the LLM timeout) after Redis came back, and every identical request would wait for an entry its
        # dead leader never stored; they are released at the next join instead.
        self._unreleased: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._local)

    async def join(self, key: str, start: Callable[[], SharedStream], *, across: bool = True) -> Flight:
        """The flight for `key`: follow this process's leader, or lead (across replicas too if `across`)."""
        pending = self._local.get(key)
        if pending is not None:
            first = await asyncio.shield(pending)
            if first is not None:
                # Follow whatever the first local caller got: its live stream, or the entry another
                # replica stored meanwhile.
                return Flight(key, first.stream, leader=False, entry=first.entry)
        future: asyncio.Future[Flight | None] = asyncio.get_running_loop().create_future()
        self._local[key] = future
        try:
            flight = await self._lead_or_wait(key, start) if across else Flight(key, start().start(), leader=True)
        except BaseException:
            future.set_result(None)
            self._forget(key, future)
            raise
        future.set_result(flight)
        if flight.stream is None:
            self._forget(key, future)
        return flight

    async def _lead_or_wait(self, key: str, start: Callable[[], SharedStream]) -> Flight:
        await self._release_unreleased()
        token = uuid.uuid4().hex
        deadline = time.monotonic() + self._lock_ttl_s
        while True:
            try:
                if await self._store.acquire_flight(key, token, ttl_ms=int(self._lock_ttl_s * 1000)):
                    return Flight(key, start().start(), leader=True, token=token)
                entry = await self._wait_remote(key, deadline)
            except CacheUnavailableError:
                return Flight(key, start().start(), leader=True)  # no coordination without Redis: go alone
            if entry is not None:
                return Flight(key, None, leader=False, entry=entry)
            if time.monotonic() >= deadline:
                return Flight(key, start().start(), leader=True)

    async def _wait_remote(self, key: str, deadline: float) -> Entry | None:
        while time.monotonic() < deadline:
            # The lock first: a leader stores before it releases, so a lock seen gone means the entry is in
            # by the read after it. Read the other way round, a leader could store and release between the
            # two reads, and this replica would lead a second upstream call for an answer already stored.
            held = await self._store.flight_held(key)
            entry = await self._store.get(key)
            if entry is not None:
                return entry
            if not held:
                return None
            await asyncio.sleep(self._poll_s)
        return None

    async def finish(self, flight: Flight) -> None:
        """The leader is done (stored or not): release the lock and let new requests look up again."""
        future = self._local.get(flight.key)
        if future is not None and future.done() and future.result() is flight:
            self._forget(flight.key, future)
        if flight.token is not None:
            self._unreleased[flight.key] = flight.token
            await self._release_unreleased()

    async def _release_unreleased(self) -> None:
        for key, token in list(self._unreleased.items()):
            try:
                await self._store.release_flight(key, token)  # token-checked: never frees a successor's lock
            except CacheUnavailableError:
                return  # Redis is still away: the next join tries again, and the lock's TTL bounds the rest
            if self._unreleased.get(key) == token:
                del self._unreleased[key]

    def _forget(self, key: str, future: asyncio.Future[Flight | None]) -> None:
        if self._local.get(key) is future:
            del self._local[key]
