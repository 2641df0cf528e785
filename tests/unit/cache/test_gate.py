"""The availability gate against in-memory indexes: ready, a failure, the re-check after it."""

from __future__ import annotations

import pytest

from semcache.cache.availability import CacheGate
from semcache.errors import CacheUnavailableError
from tests.support.fakes import MemoryIndex, Outage


async def down() -> int:
    raise CacheUnavailableError("connection refused")


async def answer() -> int:
    return 42


async def test_the_first_call_checks_every_index_once() -> None:
    a, b = MemoryIndex(), MemoryIndex()
    gate = CacheGate([a, b])
    before = (gate.ready, gate.last_error)
    assert await gate.run(answer) == 42
    assert await gate.run(answer) == 42
    assert before == (False, "not checked yet")
    assert (gate.ready, gate.last_error, a.checks, b.checks) == (True, None, 1, 1)


async def test_a_failure_marks_the_gate_and_the_next_call_rechecks() -> None:
    index = MemoryIndex()
    gate = CacheGate([index], retry_after_s=0)
    await gate.run(answer)
    with pytest.raises(CacheUnavailableError):
        await gate.run(down)
    after_failure = (gate.ready, gate.last_error)
    assert await gate.run(answer) == 42
    assert after_failure == (False, "connection refused")
    assert (gate.ready, index.checks) == (True, 2)


async def test_while_redis_is_down_rechecks_are_spaced_out() -> None:
    outage = Outage()
    outage.down = True
    index = MemoryIndex(outage)
    gate = CacheGate([index], retry_after_s=3600)
    for _ in range(3):
        with pytest.raises(CacheUnavailableError):
            await gate.run(answer)
    assert index.checks == 1, "callers within retry_after_s fail fast instead of hammering a dead Redis"
    assert gate.last_error is not None and "down" in gate.last_error


class Store:
    def __init__(self) -> None:
        self.limit = 3

    async def get(self, key: str, *, default: int = 0) -> int:
        return len(key) + default

    async def broken(self) -> int:
        raise CacheUnavailableError("connection reset")


async def test_a_guarded_object_runs_its_coroutine_methods_through_the_gate() -> None:
    index = MemoryIndex()
    gate = CacheGate([index], retry_after_s=0)
    store = gate.guarded(Store())
    assert store.limit == 3, "plain attributes pass through"
    assert await store.get("abc", default=1) == 4
    checked = (gate.ready, index.checks)
    with pytest.raises(CacheUnavailableError):
        await store.broken()
    marked = gate.ready
    assert await store.get("a") == 1
    assert checked == (True, 1) and (marked, index.checks) == (False, 2)
