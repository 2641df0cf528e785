"""Why a Redis call failed, told from the redis-py error the store wraps (pure)."""

from __future__ import annotations

from redis.exceptions import BusyLoadingError, OutOfMemoryError, ResponseError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from semcache.cache.gate import Loading, classify
from semcache.errors import CacheUnavailableError


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
