"""/calculator/*: the cost and sizing model of calculator.py over HTTP (no Redis, no auth: public arithmetic)."""

from __future__ import annotations

from fastapi import APIRouter

from semcache.api.skus import sku_table
from semcache.calculator import Estimate, Inputs, SkuTable, estimate
from semcache.errors import InvalidInputError
from semcache.schemas.calculator import EstimateRequest

__all__ = ["router"]

router = APIRouter(prefix="/calculator", tags=["calculator"])


@router.get("/skus")
async def skus() -> SkuTable:
    return sku_table()


@router.post("/estimate")
async def estimate_route(body: EstimateRequest) -> Estimate:
    table = sku_table()
    if body.sku is not None and body.sku not in {s.name for s in table.skus}:
        raise InvalidInputError(f"sku: unknown SKU {body.sku!r}; GET /calculator/skus lists them")
    return estimate(Inputs(**body.model_dump()), table)
