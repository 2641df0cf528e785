"""The packaged Azure Managed Redis SKU table, for the calculator's API and its page (calculator.py itself
takes the table as text, so its model stays pure)."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from semcache.calculator import SkuTable, parse_sku_table

__all__ = ["sku_table"]


@lru_cache(maxsize=1)
def sku_table() -> SkuTable:
    """The packaged Azure Managed Redis SKU table; read once, on first use (never at import)."""
    raw = resources.files("semcache").joinpath("data/amr_skus.json").read_text(encoding="utf-8")
    return parse_sku_table(raw)
