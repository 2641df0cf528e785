"""The benchmark's pure parts: percentiles, profile categories, the chart, the report's verdicts."""

from __future__ import annotations

import math

from bench.profile import categorize
from bench.report import dig, fmt
from bench.stats import percentile, summarize
from bench.svg import bar_chart


def test_percentile_is_nearest_rank() -> None:
    values = [float(i) for i in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert math.isnan(percentile([], 50))


def test_summarize_reports_milliseconds() -> None:
    s = summarize([0.001, 0.002, 0.003])
    assert s["n"] == 3 and s["p50_ms"] == 2.0 and s["max_ms"] == 3.0


def test_categorize_charges_the_innermost_known_frame() -> None:
    collapsed = "\n".join(
        [
            "run (uvicorn/server.py:1);embed (semcache/embeddings/local.py:90);run (onnxruntime/session.py:2) 30",
            "run (uvicorn/server.py:1);search (semcache/cache/redis.py:3);read (redis/connection.py:5) 10",
            "run (uvicorn/server.py:1);handle (starlette/routing.py:9) 10",
        ]
    )
    shares = categorize(collapsed)
    assert shares["embedding (onnxruntime + tokenizer)"] == 60.0
    assert shares["redis client (redis-py)"] == 20.0
    assert shares["framework (fastapi, starlette)"] == 20.0


def test_bar_chart_is_svg_with_every_series() -> None:
    svg = bar_chart("t", ["c=1", "c=8"], {"a": [1.0, 2.0], "b<x>": [3.0, 0.0]})
    assert svg.startswith("<svg") and "b&lt;x&gt;" in svg and svg.count("<rect") == 1 + 4 + 2


def test_dig_and_fmt_tolerate_missing_figures() -> None:
    assert math.isnan(dig({"a": {}}, ("a", "b")))
    assert fmt(math.nan) == "n/a" and fmt(1234.5) == "1,234.5"


def test_categorize_gives_the_event_loop_only_what_nothing_else_claims() -> None:
    collapsed = "\n".join(
        [
            "run (asyncio/base_events.py:1);read (redis/asyncio/connection.py:2);recv (asyncio/streams.py:3) 5",
            "run (asyncio/base_events.py:1);_run_once (asyncio/base_events.py:9) 5",
        ]
    )
    shares = categorize(collapsed)
    assert shares == {"redis client (redis-py)": 50.0, "event loop (asyncio / uvloop)": 50.0}
