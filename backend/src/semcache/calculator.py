"""The cost and sizing model behind the calculator page and `POST /calculator/estimate`.

Pure: no I/O, no clock, no globals that change. The SKU table comes in as text (the route reads the
data file), so the model is testable with any table. `frontend/static/js/calc-model.js` mirrors these
functions line for line so the page recomputes on every keystroke; an e2e test checks the two agree,
so change both together.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "GIB",
    "HEADROOM",
    "MEASURED_ENTRY_BYTES",
    "MEASURED_INDEX_BYTES",
    "Estimate",
    "Inputs",
    "SkuTable",
    "TierChoice",
    "choose_sku",
    "estimate",
    "footprint",
    "parse_sku_table",
    "savings_curve",
]

Tier = Literal["balanced", "memory_optimized", "compute_optimized"]
TierChoice = Literal["balanced", "memory_optimized", "compute_optimized", "any"]
TIERS: tuple[Tier, ...] = ("balanced", "memory_optimized", "compute_optimized")

HOURS_PER_YEAR = 8760
DAYS_PER_YEAR = 365
GIB = 1024**3

# --- the per-entry memory model, calibrated on a measurement ---------------------------------------------------
# English BPE averages ~4 characters per token; the cache stores the prompt twice (as sent and
# normalised, cache/redis.py), so a prompt of N tokens costs about 8N bytes of payload.
BYTES_PER_TOKEN = 4
PROMPT_COPIES = 2
FLOAT32_BYTES = 4
# RediSearch's HNSW keeps its own copy of every vector (so vectors count twice) and 2*M neighbour ids of 4 bytes
# on level 0.
HNSW_M = 16
HNSW_ID_BYTES = 4
# Measured, not guessed: docs/benchmarks.md, section "Scale: 1,000,000 entries" (docs/benchmarks-1m.json,
# measured 2026-12-07 by `semcache bench --million`). The embedded Redis 8.2 + RediSearch held 1,000,000 entries
# of 384 dimensions, with prompts of 87 bytes and answers of 460 bytes on average, in MEASURED_ENTRY_BYTES of
# used_memory each, MEASURED_INDEX_BYTES of them the index's own (FT.INFO: vector index + postings + doc table).
# The two fixed parts below are those figures less the model's variable parts for that shape, so the model
# gives the measurement back for that shape and scales vector, prompt and answer for yours.
# KEY_OVERHEAD_BYTES: the entry is a hash of 18 fields with values over 64 bytes, so a real hash table, not a
# listpack (MEMORY USAGE of one: ~3.9 KB, ~1.6 KB of it dict entries, sds headers and field names), plus its
# key, its expires entry and the allocator's rounding.
# INDEX_FIXED_BYTES: HNSW's upper levels and per-node metadata, the doc table, TAG and NUMERIC postings.
# tests/unit/test_calculator.py checks the figures against docs/benchmarks-1m.json.
MEASURED_ENTRY_BYTES = 6602
MEASURED_INDEX_BYTES = 2247
MEASURED_DIMS = 384
MEASURED_PROMPT_BYTES = 87
MEASURED_ANSWER_BYTES = 460
KEY_OVERHEAD_BYTES = (
    MEASURED_ENTRY_BYTES
    - MEASURED_INDEX_BYTES
    - MEASURED_DIMS * FLOAT32_BYTES
    - PROMPT_COPIES * MEASURED_PROMPT_BYTES
    - MEASURED_ANSWER_BYTES
)
INDEX_FIXED_BYTES = MEASURED_INDEX_BYTES - MEASURED_DIMS * FLOAT32_BYTES - 2 * HNSW_M * HNSW_ID_BYTES
# jemalloc fragmentation and growth between evictions: plan for 20% more than the live data.
HEADROOM = 1.2


@dataclass(frozen=True, slots=True)
class Sku:
    name: str
    tier: Tier
    memory_gb: float
    vcpus: int
    price_per_hour: float
    price_source: str


@dataclass(frozen=True, slots=True)
class SkuTable:
    as_of: str
    currency: str
    region: str
    usable_memory_fraction: float
    skus: tuple[Sku, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Inputs:
    requests_per_day: float
    hit_rate_pct: float
    prompt_tokens: float
    completion_tokens: float
    input_price_per_1m: float
    output_price_per_1m: float
    ttl_hours: float
    embedding_dims: int
    avg_answer_bytes: float
    redis_ha: bool
    tier: TierChoice = "balanced"
    sku: str | None = None


@dataclass(frozen=True, slots=True)
class Footprint:
    vector_bytes: int
    payload_bytes: int
    index_bytes: int
    entry_bytes: int
    entry_bytes_planned: int  # with HEADROOM: what sizing divides by


@dataclass(frozen=True, slots=True)
class CurvePoint:
    hit_rate_pct: float
    annual_savings: float


@dataclass(frozen=True, slots=True)
class Estimate:
    requests_per_year: float
    cost_per_request: float
    annual_tokens_without_cache: float
    annual_tokens_saved: float
    annual_cost_without_cache: float
    annual_llm_cost_with_cache: float
    annual_redis_cost: float
    annual_cost_with_cache: float
    annual_savings: float
    savings_pct: float
    breakeven_hit_rate_pct: float | None  # None: no token spend at all, so no hit rate pays for Redis
    breakeven_over_100: bool
    sku: Sku
    sku_nodes: int
    sku_fits: bool
    footprint: Footprint
    live_entries: float
    memory_needed_bytes: float
    usable_memory_bytes: float
    entries_that_fit: int
    curve: tuple[CurvePoint, ...]
    prices_as_of: str  # the SKU table's date: prices change, the caller must see which ones it got


def parse_sku_table(raw: str) -> SkuTable:
    """The data file's JSON as a SkuTable, cheapest first within each tier; ValueError when malformed."""
    try:
        data = json.loads(raw)
        skus = tuple(
            Sku(
                name=str(s["name"]),
                tier=_tier(str(s["tier"])),
                memory_gb=float(s["memory_gb"]),
                vcpus=int(s["vcpus"]),
                price_per_hour=float(s["price_per_hour"]),
                price_source=str(s["price_source"]),
            )
            for s in data["skus"]
        )
        table = SkuTable(
            as_of=str(data["as_of"]),
            currency=str(data["currency"]),
            region=str(data["region"]),
            usable_memory_fraction=float(data["usable_memory_fraction"]),
            skus=tuple(sorted(skus, key=lambda s: (TIERS.index(s.tier), s.memory_gb))),
            sources=tuple(str(x) for x in data.get("sources", ())),
        )
    except (KeyError, TypeError, json.JSONDecodeError) as e:
        raise ValueError(f"malformed SKU table: {e}") from e
    if not table.skus:
        raise ValueError("the SKU table has no SKUs")
    return table


def _tier(value: str) -> Tier:
    for tier in TIERS:
        if tier == value:
            return tier
    raise ValueError(f"unknown tier {value!r}")


def footprint(*, embedding_dims: int, prompt_tokens: float, avg_answer_bytes: float) -> Footprint:
    """Bytes one cache entry holds in Redis: vector + payload + index overhead."""
    vector = embedding_dims * FLOAT32_BYTES
    payload = round(prompt_tokens * BYTES_PER_TOKEN * PROMPT_COPIES + avg_answer_bytes) + KEY_OVERHEAD_BYTES
    index = embedding_dims * FLOAT32_BYTES + 2 * HNSW_M * HNSW_ID_BYTES + INDEX_FIXED_BYTES
    entry = vector + payload + index
    return Footprint(vector, payload, index, entry, math.ceil(entry * HEADROOM))


def usable_bytes(sku: Sku, table: SkuTable) -> float:
    # Azure reserves ~20% of each SKU's advertised memory for the service itself.
    return sku.memory_gb * GIB * table.usable_memory_fraction


def choose_sku(table: SkuTable, *, needed_bytes: float, tier: TierChoice) -> tuple[Sku, bool]:
    """The cheapest SKU (of `tier`, or of any tier) whose usable memory holds `needed_bytes`.

    When nothing is big enough, the largest SKU of the tier, with `fits=False`.
    """
    pool = [s for s in table.skus if tier == "any" or s.tier == tier] or list(table.skus)
    fitting = [s for s in pool if usable_bytes(s, table) >= needed_bytes]
    if fitting:
        return min(fitting, key=lambda s: (s.price_per_hour, s.memory_gb, s.name)), True
    return max(pool, key=lambda s: (s.memory_gb, -s.price_per_hour, s.name)), False


def estimate(inputs: Inputs, table: SkuTable) -> Estimate:
    hit = inputs.hit_rate_pct / 100
    requests_per_year = inputs.requests_per_day * DAYS_PER_YEAR
    cost_per_request = (
        inputs.prompt_tokens * inputs.input_price_per_1m + inputs.completion_tokens * inputs.output_price_per_1m
    ) / 1_000_000
    no_cache = requests_per_year * cost_per_request
    llm_with_cache = no_cache * (1 - hit)

    fp = footprint(
        embedding_dims=inputs.embedding_dims,
        prompt_tokens=inputs.prompt_tokens,
        avg_answer_bytes=inputs.avg_answer_bytes,
    )
    # Every miss stores one entry that lives for the TTL, so the cache holds a TTL's worth of misses.
    live_entries = inputs.requests_per_day * (1 - hit) * inputs.ttl_hours / 24
    needed = live_entries * fp.entry_bytes_planned
    sku, fits = _pick(inputs, table, needed)
    nodes = 2 if inputs.redis_ha else 1
    redis = sku.price_per_hour * nodes * HOURS_PER_YEAR
    usable = usable_bytes(sku, table)

    with_cache = llm_with_cache + redis
    savings = no_cache - with_cache
    # A vanishing token spend (a subnormal float) overflows the ratio: no hit rate pays for Redis then.
    ratio = redis / no_cache * 100 if no_cache > 0 else math.inf
    breakeven = ratio if math.isfinite(ratio) else None
    tokens = requests_per_year * (inputs.prompt_tokens + inputs.completion_tokens)
    return Estimate(
        requests_per_year=requests_per_year,
        cost_per_request=cost_per_request,
        annual_tokens_without_cache=tokens,
        annual_tokens_saved=tokens * hit,
        annual_cost_without_cache=no_cache,
        annual_llm_cost_with_cache=llm_with_cache,
        annual_redis_cost=redis,
        annual_cost_with_cache=with_cache,
        annual_savings=savings,
        savings_pct=_safe_pct(savings, no_cache),
        breakeven_hit_rate_pct=breakeven,
        breakeven_over_100=breakeven is None or breakeven > 100,
        sku=sku,
        sku_nodes=nodes,
        sku_fits=fits,
        footprint=fp,
        live_entries=live_entries,
        memory_needed_bytes=needed,
        usable_memory_bytes=usable,
        entries_that_fit=math.floor(usable / fp.entry_bytes_planned),
        curve=savings_curve(no_cache, redis),
        prices_as_of=table.as_of,
    )


def _safe_pct(part: float, whole: float) -> float:
    pct = part / whole * 100 if whole > 0 else 0.0
    return pct if math.isfinite(pct) else 0.0


def _pick(inputs: Inputs, table: SkuTable, needed: float) -> tuple[Sku, bool]:
    if inputs.sku is not None:
        for sku in table.skus:
            if sku.name == inputs.sku:
                return sku, usable_bytes(sku, table) >= needed
        raise ValueError(f"unknown SKU {inputs.sku!r}")
    return choose_sku(table, needed_bytes=needed, tier=inputs.tier)


def savings_curve(
    annual_cost_without_cache: float, annual_redis_cost: float, *, step_pct: int = 2
) -> tuple[CurvePoint, ...]:
    """Annual savings at each hit rate with the chosen deployment fixed.

    The SKU stays the one sized for the current hit rate: the curve answers "what if this deployment hit
    more or less often", and it crosses zero exactly at the breakeven hit rate the page reports.
    """
    return tuple(
        CurvePoint(float(h), annual_cost_without_cache * h / 100 - annual_redis_cost) for h in range(0, 101, step_pct)
    )
