"""Pure: estimated cost of tokens from a small price table (USD per 1M tokens), overridable by settings.

Prices are list prices for orientation, not a bill. A model not in the table is priced like
gpt-4o-mini, so the local demo model still shows what the cache would save on a real one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

__all__ = ["DEFAULT_PRICES", "Price", "cost_usd", "parse_prices", "price_for"]


@dataclass(frozen=True)
class Price:
    input_per_1m: float
    output_per_1m: float


DEFAULT_PRICES: dict[str, Price] = {
    "gpt-4o-mini": Price(0.15, 0.60),
    "gpt-4o": Price(2.50, 10.00),
    "gpt-4.1": Price(2.00, 8.00),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-4.1-nano": Price(0.10, 0.40),
    "gpt-5": Price(1.25, 10.00),
    "gpt-5-mini": Price(0.25, 2.00),
    "gpt-5-nano": Price(0.05, 0.40),
    "o4-mini": Price(1.10, 4.40),
    "text-embedding-3-small": Price(0.02, 0.0),
    "text-embedding-3-large": Price(0.13, 0.0),
}
FALLBACK_MODEL = "gpt-4o-mini"


def parse_prices(raw: str) -> dict[str, Price]:
    """`MODEL_PRICES` as JSON: {"model": [input_per_1m, output_per_1m], ...}."""
    if not raw.strip():
        return {}
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("MODEL_PRICES must be a JSON object of model -> [input, output] USD per 1M tokens")
    prices = {}
    for model, pair in data.items():
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, int | float) and x >= 0 for x in pair)):
            raise ValueError(f"MODEL_PRICES[{model!r}] must be [input, output] non-negative numbers")
        prices[str(model)] = Price(float(pair[0]), float(pair[1]))
    return prices


def price_for(model: str, table: dict[str, Price]) -> Price:
    if model in table:
        return table[model]
    # Deployment names often carry a date or suffix (gpt-4o-2024-08-06, gpt-4o-mini-prod): longest prefix wins.
    for name in sorted(table, key=len, reverse=True):
        if model.startswith(name):
            return table[name]
    return table.get(FALLBACK_MODEL, DEFAULT_PRICES[FALLBACK_MODEL])


def cost_usd(prompt_tokens: int, completion_tokens: int, price: Price) -> float:
    return (prompt_tokens * price.input_per_1m + completion_tokens * price.output_per_1m) / 1_000_000
