"""/calculator/estimate: the cost and sizing model of pricing.py over HTTP."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/calculator", tags=["calculator"])
