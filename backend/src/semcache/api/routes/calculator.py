"""/calculator/*: the cost and sizing model of pricing.py over HTTP (no Redis, no auth: public arithmetic)."""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from importlib import resources

from fastapi import APIRouter

from semcache.errors import InvalidInputError
from semcache.pricing import Inputs, SkuTable, estimate, parse_sku_table
from semcache.schemas.calculator import EstimateRequest, EstimateResponse, SkuTableOut

router = APIRouter(prefix="/calculator", tags=["calculator"])


@lru_cache(maxsize=1)
def sku_table() -> SkuTable:
    """The packaged Azure Managed Redis SKU table; read once, on first use (never at import)."""
    raw = resources.files("semcache").joinpath("data/amr_skus.json").read_text(encoding="utf-8")
    return parse_sku_table(raw)


@router.get("/skus", response_model=SkuTableOut)
async def skus() -> SkuTableOut:
    return SkuTableOut.model_validate(dataclasses.asdict(sku_table()))


@router.post("/estimate", response_model=EstimateResponse)
async def estimate_route(body: EstimateRequest) -> EstimateResponse:
    table = sku_table()
    if body.sku is not None and body.sku not in {s.name for s in table.skus}:
        raise InvalidInputError(f"sku: unknown SKU {body.sku!r}; GET /calculator/skus lists them")
    result = estimate(Inputs(**body.model_dump()), table)
    return EstimateResponse.model_validate({**dataclasses.asdict(result), "prices_as_of": table.as_of})
