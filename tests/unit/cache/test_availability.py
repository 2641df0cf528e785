"""The availability gate: against in-memory indexes (ready, a failure, the re-check after it), and why a
Redis call failed, told from the redis-py error the store wraps (pure)."""

from __future__ import annotations

import pytest
from redis.exceptions import BusyLoadingError, OutOfMemoryError, ResponseError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from semcache.cache.availability import CacheGate, Gateable, Loading, classify, gated
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


class Store(Gateable):
    def __init__(self) -> None:
        self.limit = 3
        self.calls = 0

    @gated
    async def get(self, key: str, *, default: int = 0) -> int:
        self.calls += 1
        return len(key) + default

    @gated
    async def twice(self, key: str) -> int:
        return await self.get(key) + await self.get(key)  # on the original: the gate runs once, not three times

    @gated
    async def broken(self) -> int:
        raise CacheUnavailableError("connection reset")


async def test_a_gated_view_runs_its_coroutine_methods_through_the_gate() -> None:
    index = MemoryIndex()
    gate = CacheGate([index], retry_after_s=0)
    raw = Store()
    store = raw.through(gate)
    assert store.limit == 3, "plain attributes are the object's"
    assert await store.get("abc", default=1) == 4
    checked = (gate.ready, index.checks)
    with pytest.raises(CacheUnavailableError):
        await store.broken()
    marked = gate.ready
    assert await store.get("a") == 1
    assert checked == (True, 1) and (marked, index.checks) == (False, 2)
    assert await store.twice("ab") == 4 and index.checks == 2


async def test_the_object_itself_is_not_gated() -> None:
    gate = CacheGate([MemoryIndex()], retry_after_s=0)
    raw = Store()
    raw.through(gate)
    with pytest.raises(CacheUnavailableError):
        await raw.broken()
    assert not gate.ready and gate.last_error == "not checked yet"  # the gate never saw the call


def wrapped(cause: Exception) -> CacheUnavailableError:
    try:
        raise CacheUnavailableError(f"cache write failed: {cause}") from cause
    except CacheUnavailableError as e:
        return e


def test_classify() -> None:
    assert classify(wrapped(BusyLoadingError("Redis is loading the dataset in memory"))) == "loading"
    assert classify(wrapped(ResponseError("LOADING Redis is loading the dataset in memory"))) == "loading"
    oom = "command not allowed when used memory > 'maxmemory'."
    assert classify(wrapped(OutOfMemoryError(oom))) == "full"  # redis-py took the "OOM" code off
    pipelined = f'Command # 2 (HSET k f v) of pipeline caused error: ("{oom}",)'
    assert classify(wrapped(ResponseError(pipelined))) == "full"
    assert classify(wrapped(RedisConnectionError("Error 111 connecting"))) == "down"
    assert classify(wrapped(RedisTimeoutError("Timeout reading"))) == "down"
    assert classify(wrapped(ResponseError("unknown command 'FT.INFO'"))) == "error"


def test_loading_reason_names_the_progress() -> None:
    assert Loading(42.4, None).describe().startswith("cache loading (data 42% loaded)")
    assert Loading(None, 87.0).describe().startswith("cache loading (index 87% built)")
    assert Loading().describe().startswith("cache loading:")
    assert "not stored" in Loading().describe()
