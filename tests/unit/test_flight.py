"""Single flight against in-memory flight locks: leader, local and remote followers, a leader that fails."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping

from semcache.cache.models import Entry
from semcache.flight import SingleFlight
from semcache.llm.shared import SharedStream
from semcache.schemas.openai import ChatMessage, ChatRequest
from tests.support.fakes import MemoryLocks, Outage, ScriptedLLM

REQUEST = ChatRequest(messages=[ChatMessage(role="user", content="capital of France?")])


def starter(llm: ScriptedLLM) -> SharedStream:
    return SharedStream(llm.stream(REQUEST).__aiter__())


async def test_concurrent_joins_share_one_upstream_call() -> None:
    llm, locks = ScriptedLLM(), MemoryLocks()
    flights = SingleFlight(locks, lock_ttl_s=5)
    leader = await flights.join("k", lambda: starter(llm))
    followers = await asyncio.gather(*(flights.join("k", lambda: starter(llm)) for _ in range(3)))
    assert leader.leader and leader.token is not None and locks.locks == {"k": leader.token}
    assert all(not f.leader and f.stream is leader.stream for f in followers)
    assert leader.stream is not None
    answer = await leader.stream.wait()
    assert answer.complete and llm.calls == 1
    await flights.finish(leader)
    assert locks.locks == {} and len(flights) == 0
    again = await flights.join("k", lambda: starter(llm))
    assert again.leader, "after the leader finished, the next identical request looks up and leads again"
    await flights.finish(again)


async def test_a_remote_leader_is_followed_until_its_entry_is_stored() -> None:
    llm, locks = ScriptedLLM(), MemoryLocks()
    locks.locks["k"] = "another-replica"
    flights = SingleFlight(locks, lock_ttl_s=30, poll_s=0.001)

    async def other_replica_stores() -> None:
        await asyncio.sleep(0.01)
        locks.entries["k"] = Entry("k", "q", "q", "stored elsewhere", {}, time.time())
        del locks.locks["k"]

    flight, _ = await asyncio.gather(flights.join("k", lambda: starter(llm)), other_replica_stores())
    assert not flight.leader and flight.stream is None
    assert flight.entry is not None and flight.entry.response == "stored elsewhere"
    assert llm.calls == 0


async def test_a_remote_leader_that_vanishes_without_an_entry_is_replaced() -> None:
    llm, locks = ScriptedLLM(), MemoryLocks()
    locks.locks["k"] = "another-replica"
    flights = SingleFlight(locks, lock_ttl_s=30, poll_s=0.001)

    async def other_replica_dies() -> None:
        await asyncio.sleep(0.01)
        del locks.locks["k"]

    flight, _ = await asyncio.gather(flights.join("k", lambda: starter(llm)), other_replica_dies())
    assert flight.leader and flight.stream is not None
    await flight.stream.wait()
    await flights.finish(flight)
    assert llm.calls == 1


async def test_without_redis_every_caller_goes_alone_and_finish_does_not_raise() -> None:
    outage = Outage()
    outage.down = True
    llm, flights = ScriptedLLM(), SingleFlight(MemoryLocks(outage), lock_ttl_s=5)
    flight = await flights.join("k", lambda: starter(llm))
    assert flight.leader and flight.token is None
    assert flight.stream is not None
    await flight.stream.wait()
    await flights.finish(flight)


async def test_a_failed_join_releases_the_key_for_the_next_caller() -> None:
    locks = MemoryLocks()
    flights = SingleFlight(locks, lock_ttl_s=5)

    def broken() -> SharedStream:
        raise RuntimeError("could not open the upstream")

    try:
        await flights.join("k", broken)
    except RuntimeError:
        pass
    assert len(flights) == 0


async def test_a_local_only_flight_shares_one_call_and_never_touches_the_locks() -> None:
    llm, locks = ScriptedLLM(), MemoryLocks()
    locks.locks["k"] = "another-replica"  # held elsewhere: a flight across replicas would wait for it
    flights = SingleFlight(locks, lock_ttl_s=30)
    leader = await flights.join("k", lambda: starter(llm), across=False)
    followers = await asyncio.gather(*(flights.join("k", lambda: starter(llm), across=False) for _ in range(3)))
    assert leader.leader and leader.token is None
    assert all(not f.leader and f.stream is leader.stream for f in followers)
    assert leader.stream is not None and (await leader.stream.wait()).complete and llm.calls == 1
    await flights.finish(leader)
    assert locks.locks == {"k": "another-replica"} and len(flights) == 0


class StoresRightAfterARead(MemoryLocks):
    """The other replica's leader stores its entry and releases its lock just after this replica's first read
    of the entry: the interleaving that made a follower lead a second call when it read the entry first."""

    def __init__(self, entry: Entry) -> None:
        super().__init__()
        self._pending: Entry | None = entry

    async def get(self, entry_id: str, *, scope: Mapping[str, str] | None = None) -> Entry | None:
        found = await super().get(entry_id, scope=scope)
        if self._pending is not None:
            self.entries[entry_id], self._pending = self._pending, None
            del self.locks[entry_id]
        return found


async def test_a_leader_storing_between_two_polls_reads_is_still_followed() -> None:
    llm = ScriptedLLM()
    locks = StoresRightAfterARead(Entry("k", "q", "q", "stored elsewhere", {}, time.time()))
    locks.locks["k"] = "another-replica"
    flights = SingleFlight(locks, lock_ttl_s=30, poll_s=0.001)
    flight = await flights.join("k", lambda: starter(llm))
    assert not flight.leader and flight.entry is not None and flight.entry.response == "stored elsewhere"
    assert llm.calls == 0
