"""The calculator's cost and sizing model (pure), plus its HTTP wire through an ASGI client."""

from __future__ import annotations

import dataclasses
import json
import math
from importlib import resources
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st

from semcache import calculator as model
from semcache.api import errors
from semcache.api.deps import get_keyring
from semcache.api.routes import calculator
from semcache.auth import KeyRing
from semcache.calculator import (
    GIB,
    HEADROOM,
    MEASURED_ENTRY_BYTES,
    MEASURED_INDEX_BYTES,
    Inputs,
    SkuTable,
    choose_sku,
    estimate,
    footprint,
    parse_sku_table,
    savings_curve,
)

REPO = Path(__file__).resolve().parents[2]
PACKAGED = resources.files("semcache").joinpath("data/amr_skus.json").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def table() -> SkuTable:
    return parse_sku_table(PACKAGED)


def base(**overrides: object) -> Inputs:
    values: dict[str, object] = {
        "requests_per_day": 100_000,
        "hit_rate_pct": 30,
        "prompt_tokens": 500,
        "completion_tokens": 300,
        "input_price_per_1m": 2.5,
        "output_price_per_1m": 10,
        "ttl_hours": 24,
        "embedding_dims": 384,
        "avg_answer_bytes": 1200,
        "redis_ha": True,
    }
    values.update(overrides)
    return Inputs(**values)  # type: ignore[arg-type]  # the test varies fields by name


def test_packaged_table_has_the_named_skus_an_as_of_date_and_sources(table: SkuTable) -> None:
    names = {s.name for s in table.skus}
    assert {"Balanced_B0", "Balanced_B1", "Balanced_B3", "Balanced_B5", "Balanced_B10"} <= names
    assert any(n.startswith("MemoryOptimized_") for n in names)
    assert any(n.startswith("ComputeOptimized_") for n in names)
    assert len(table.as_of) == 10 and table.as_of[4] == "-"
    assert table.sources and all(s.price_per_hour > 0 and s.memory_gb > 0 for s in table.skus)
    assert {s.price_source for s in table.skus} <= {"retail-api", "estimate"}


def test_annual_token_spend_savings_and_breakeven_by_hand(table: SkuTable) -> None:
    e = estimate(base(), table)
    per_request = (500 * 2.5 + 300 * 10) / 1e6  # $0.00425
    assert e.cost_per_request == pytest.approx(per_request)
    assert e.annual_cost_without_cache == pytest.approx(100_000 * 365 * per_request)
    assert e.annual_llm_cost_with_cache == pytest.approx(e.annual_cost_without_cache * 0.7)
    assert e.annual_redis_cost == pytest.approx(e.sku.price_per_hour * 2 * 8760)
    assert e.annual_savings == pytest.approx(
        e.annual_cost_without_cache - e.annual_llm_cost_with_cache - e.annual_redis_cost
    )
    assert e.breakeven_hit_rate_pct == pytest.approx(e.annual_redis_cost / e.annual_cost_without_cache * 100)
    assert not e.breakeven_over_100
    assert e.annual_tokens_saved == pytest.approx(100_000 * 365 * 800 * 0.3)


def test_ha_doubles_the_redis_cost(table: SkuTable) -> None:
    ha, single = estimate(base(redis_ha=True), table), estimate(base(redis_ha=False), table)
    assert ha.sku == single.sku
    assert (ha.sku_nodes, single.sku_nodes) == (2, 1)
    assert ha.annual_redis_cost == pytest.approx(2 * single.annual_redis_cost)


def test_breakeven_over_100_is_flagged_for_tiny_traffic(table: SkuTable) -> None:
    e = estimate(base(requests_per_day=10, hit_rate_pct=50), table)
    assert e.breakeven_hit_rate_pct is not None and e.breakeven_hit_rate_pct > 100
    assert e.breakeven_over_100 and e.annual_savings < 0


def test_no_token_spend_has_no_breakeven(table: SkuTable) -> None:
    e = estimate(base(requests_per_day=0), table)
    assert e.breakeven_hit_rate_pct is None and e.breakeven_over_100
    assert e.savings_pct == 0 and e.live_entries == 0
    assert e.sku.name == "Balanced_B0"  # nothing to store: the smallest SKU


def test_footprint_is_vector_plus_payload_plus_index() -> None:
    fp = footprint(embedding_dims=1536, prompt_tokens=100, avg_answer_bytes=2000)
    assert fp.vector_bytes == 1536 * 4
    assert fp.index_bytes > 1536 * 4  # HNSW keeps its own copy of the vector, plus links
    assert fp.payload_bytes > 2000 + 100 * 4
    assert fp.entry_bytes == fp.vector_bytes + fp.payload_bytes + fp.index_bytes
    assert fp.entry_bytes_planned >= fp.entry_bytes * HEADROOM


def test_the_model_gives_the_measured_bytes_per_entry_back_for_the_measured_shape() -> None:
    fp = footprint(
        embedding_dims=model.MEASURED_DIMS,
        prompt_tokens=model.MEASURED_PROMPT_BYTES / model.BYTES_PER_TOKEN,
        avg_answer_bytes=model.MEASURED_ANSWER_BYTES,
    )
    assert fp.entry_bytes == MEASURED_ENTRY_BYTES and fp.index_bytes == MEASURED_INDEX_BYTES


def test_the_measured_figures_are_the_last_scale_runs() -> None:
    # docs/benchmarks-1m.json is written by `semcache bench --million`; a new run means new figures here.
    scale = json.loads((REPO / "docs" / "benchmarks-1m.json").read_text())
    top = scale["checkpoints"][str(max(int(s) for s in scale["checkpoints"]))]
    assert top["memory"]["used_memory_per_entry"] == MEASURED_ENTRY_BYTES
    assert top["memory"]["index_bytes_per_entry"] == MEASURED_INDEX_BYTES


def test_sku_grows_with_traffic_ttl_and_dims(table: SkuTable) -> None:
    small = estimate(base(requests_per_day=1_000), table)
    big = estimate(base(requests_per_day=200_000, ttl_hours=24 * 7, embedding_dims=3072), table)
    assert small.sku.name == "Balanced_B0" and small.sku_fits
    assert big.sku.memory_gb > small.sku.memory_gb and big.sku_fits
    for e in (small, big):
        assert e.memory_needed_bytes <= e.usable_memory_bytes
        assert e.entries_that_fit >= e.live_entries
        assert e.entries_that_fit == math.floor(e.usable_memory_bytes / e.footprint.entry_bytes_planned)


def test_live_entries_are_a_ttl_of_misses(table: SkuTable) -> None:
    e = estimate(base(requests_per_day=48_000, hit_rate_pct=25, ttl_hours=12), table)
    assert e.live_entries == pytest.approx(48_000 * 0.75 * 0.5)


def test_choose_sku_is_the_cheapest_that_fits_and_flags_overflow(table: SkuTable) -> None:
    sku, fits = choose_sku(table, needed_bytes=2 * GIB, tier="balanced")
    assert fits and sku.name == "Balanced_B3"  # 3 GB * 0.8 usable = 2.4 GiB
    sku, fits = choose_sku(table, needed_bytes=10_000 * GIB, tier="balanced")
    assert not fits and sku.name == "Balanced_B250"
    any_tier, _ = choose_sku(table, needed_bytes=50 * GIB, tier="any")
    assert any_tier.price_per_hour == min(s.price_per_hour for s in table.skus if s.memory_gb * GIB * 0.8 >= 50 * GIB)


def test_forced_sku_is_used_and_may_not_fit(table: SkuTable) -> None:
    e = estimate(base(sku="Balanced_B0", requests_per_day=5_000_000), table)
    assert e.sku.name == "Balanced_B0" and not e.sku_fits
    with pytest.raises(ValueError, match="unknown SKU"):
        estimate(base(sku="Nope_X1"), table)


def test_curve_crosses_zero_at_breakeven(table: SkuTable) -> None:
    e = estimate(base(), table)
    assert [p.hit_rate_pct for p in e.curve][:3] == [0, 2, 4] and e.curve[-1].hit_rate_pct == 100
    assert e.curve[0].annual_savings == pytest.approx(-e.annual_redis_cost)
    assert e.breakeven_hit_rate_pct is not None
    below = [p for p in e.curve if p.hit_rate_pct < e.breakeven_hit_rate_pct]
    above = [p for p in e.curve if p.hit_rate_pct > e.breakeven_hit_rate_pct]
    assert all(p.annual_savings < 0 for p in below) and all(p.annual_savings > 0 for p in above)
    at_current = next(p for p in e.curve if p.hit_rate_pct == 30)
    assert at_current.annual_savings == pytest.approx(e.annual_savings)
    assert len(savings_curve(1.0, 0.5, step_pct=10)) == 11


@given(
    rpd=st.floats(0, 1e8),
    hit=st.floats(0, 100),
    pt=st.floats(0, 1e5),
    ct=st.floats(0, 1e5),
    dims=st.integers(1, 8192),
    ttl=st.floats(0.01, 24 * 366),
)
def test_estimate_is_finite_and_consistent(rpd: float, hit: float, pt: float, ct: float, dims: int, ttl: float) -> None:
    t = parse_sku_table(PACKAGED)
    e = estimate(base(requests_per_day=rpd, hit_rate_pct=hit, prompt_tokens=pt, completion_tokens=ct,
                      embedding_dims=dims, ttl_hours=ttl), t)  # fmt: skip
    values = [v for v in dataclasses.astuple(e) if isinstance(v, float)]
    assert all(math.isfinite(v) for v in values)
    assert e.annual_cost_with_cache == pytest.approx(e.annual_llm_cost_with_cache + e.annual_redis_cost)
    assert e.annual_llm_cost_with_cache <= e.annual_cost_without_cache + 1e-9


def test_malformed_tables_are_rejected() -> None:
    with pytest.raises(ValueError, match="malformed"):
        parse_sku_table("{}")
    with pytest.raises(ValueError, match="unknown tier"):
        data = json.loads(PACKAGED)
        data["skus"][0]["tier"] = "gold"
        parse_sku_table(json.dumps(data))
    with pytest.raises(ValueError, match="no SKUs"):
        parse_sku_table(json.dumps({**json.loads(PACKAGED), "skus": []}))


# --- the HTTP wire ------------------------------------------------------------------------------


async def open_keyring() -> KeyRing:
    return KeyRing()


@pytest.fixture
def client() -> httpx.AsyncClient:
    app = FastAPI()
    errors.install(app)
    app.include_router(calculator.router)
    # The router takes a key once keys are set; here none are (an open keyring), as in a default run.
    app.dependency_overrides[get_keyring] = open_keyring
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://calc")


def request_body(**overrides: object) -> dict[str, object]:
    body = {k: v for k, v in dataclasses.asdict(base()).items() if v is not None}
    body.update(overrides)
    return body


async def test_post_estimate_matches_the_pure_model(client: httpx.AsyncClient, table: SkuTable) -> None:
    async with client:
        r = await client.post("/calculator/estimate", json=request_body())
    assert r.status_code == 200, r.text
    body = r.json()
    e = estimate(base(), table)
    assert body["annual_savings"] == pytest.approx(e.annual_savings)
    assert body["sku"]["name"] == e.sku.name
    assert body["prices_as_of"] == table.as_of
    assert len(body["curve"]) == 51


@pytest.mark.parametrize(
    "field,value",
    [("hit_rate_pct", 101), ("hit_rate_pct", -1), ("requests_per_day", -5), ("embedding_dims", 0),
     ("ttl_hours", 0), ("tier", "gold"), ("treshold", 1), ("sku", "Nope_X1")],
)  # fmt: skip
async def test_post_estimate_rejects_out_of_range_values(client: httpx.AsyncClient, field: str, value: object) -> None:
    async with client:
        r = await client.post("/calculator/estimate", json=request_body(**{field: value}))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid_request"


async def test_get_skus_lists_the_table(client: httpx.AsyncClient, table: SkuTable) -> None:
    async with client:
        r = await client.get("/calculator/skus")
    assert r.status_code == 200
    body = r.json()
    assert body["as_of"] == table.as_of and len(body["skus"]) == len(table.skus)
