"""/calculator/*: the cost and sizing model of calculator.py over HTTP (no Redis). Behind the API key once
keys are set, like every route that is not a probe: the deployed ingress answers nothing for free but the
probes and the page shells (the calculator page computes in the browser)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from fastapi import APIRouter

from semcache.api.deps import KEY_REQUIRED
from semcache.calculator import Estimate, Inputs, SkuTable, estimate, parse_sku_table
from semcache.errors import InvalidInputError
from semcache.schemas.calculator import EstimateRequest

__all__ = ["router", "sku_table"]

router = APIRouter(prefix="/calculator", tags=["calculator"], dependencies=[KEY_REQUIRED])


@lru_cache(maxsize=1)
def sku_table() -> SkuTable:
    """The packaged Azure Managed Redis SKU table; read once, on first use (never at import)."""
    raw = resources.files("semcache").joinpath("data/amr_skus.json").read_text(encoding="utf-8")
    return parse_sku_table(raw)


@router.get("/skus")
async def skus() -> SkuTable:
    return sku_table()


@router.post("/estimate")
async def estimate_route(body: EstimateRequest) -> Estimate:
    table = sku_table()
    if body.sku is not None and body.sku not in {s.name for s in table.skus}:
        raise InvalidInputError(f"sku: unknown SKU {body.sku!r}; GET /calculator/skus lists them")
    return estimate(Inputs(**body.model_dump()), table)
