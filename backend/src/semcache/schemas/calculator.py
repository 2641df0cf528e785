"""The wire model of POST /calculator/estimate's input; it answers with semcache.calculator's own types."""

from __future__ import annotations

from pydantic import Field

from semcache.calculator import TierChoice
from semcache.schemas.common import StrictModel

__all__ = ["EstimateRequest"]


class EstimateRequest(StrictModel):
    """One scenario. Bounds keep the arithmetic finite and reject typos such as a 1e12 hit rate."""

    requests_per_day: float = Field(ge=0, le=1e10, description="LLM requests per day")
    hit_rate_pct: float = Field(ge=0, le=100, description="share of requests the cache answers, in %")
    prompt_tokens: float = Field(ge=0, le=1_000_000, description="average prompt tokens per request")
    completion_tokens: float = Field(ge=0, le=1_000_000, description="average completion tokens per request")
    input_price_per_1m: float = Field(ge=0, le=10_000, description="USD per 1M prompt tokens")
    output_price_per_1m: float = Field(ge=0, le=10_000, description="USD per 1M completion tokens")
    ttl_hours: float = Field(default=24, gt=0, le=24 * 366, description="how long an entry lives")
    embedding_dims: int = Field(default=384, ge=1, le=8192)
    avg_answer_bytes: float = Field(default=1200, ge=0, le=10_000_000, description="average stored answer size")
    redis_ha: bool = Field(default=True, description="two nodes (high availability) instead of one")
    tier: TierChoice = "balanced"
    sku: str | None = Field(default=None, max_length=64, description="force a SKU instead of choosing one")
