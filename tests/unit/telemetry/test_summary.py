from semcache.telemetry.events import TelemetryEvent
from semcache.telemetry.summary import percentile, totals, window


def ev(path: str, status: str, latency: float, **kw: object) -> TelemetryEvent:
    return TelemetryEvent(path=path, status=status, tenant="t", model="m", latency_ms=latency, **kw)


def test_percentiles_nearest_rank() -> None:
    assert percentile([], 50) == 0.0
    assert percentile([5.0], 95) == 5.0
    values = [float(i) for i in range(1, 101)]
    assert percentile(values, 50) == 50.0 and percentile(values, 95) == 95.0 and percentile(values, 100) == 100.0


def test_totals_from_counters() -> None:
    t = totals(
        {
            "cache:requests": 4,
            "cache:hit": 3,
            "cache:miss": 1,
            "hits:exact": 2,
            "hits:semantic": 1,
            "cost_usd": 0.5,
            "cost_saved_usd": 1.5,
            "raw:requests": 4,
            "gateway:requests": 2,
            "gateway:bypass": 2,
        }
    )
    assert t["requests"] == 6 and t["hits"] == 3 and t["hit_rate"] == 0.75 and t["bypass"] == 2
    assert t["cost_without_cache_usd"] == 2.0


def test_window_groups_latencies_and_skips_errors() -> None:
    events = [
        ev("raw", "ok", 100),
        ev("cache", "hit", 2, tokens_saved=10),
        ev("cache", "miss", 90),
        ev("gateway", "error", 1),
        ev("gateway", "hit", 3),
    ]
    w = window(events)
    assert (w["requests"] == 4 and w["hits"] == 2 and w["hit_rate"] == 2 / 3 * 1) or round(2 / 3, 4)
    assert w["latency_ms"]["cache_hit"] == {"p50": 2.0, "p95": 2.0, "count": 1}  # type: ignore[index]
    assert w["latency_ms"]["gateway"]["count"] == 1  # type: ignore[index]
    assert w["tokens_saved"] == 10
