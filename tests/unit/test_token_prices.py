import pytest

from semcache.token_prices import DEFAULT_PRICES, Price, cost_usd, parse_prices, price_for


def test_prices_by_exact_name_prefix_or_fallback() -> None:
    assert price_for("gpt-4o", DEFAULT_PRICES) == Price(2.5, 10.0)
    assert price_for("gpt-4o-mini-2024-07-18", DEFAULT_PRICES) == DEFAULT_PRICES["gpt-4o-mini"]
    assert price_for("smollm2-135m-instruct", DEFAULT_PRICES) == DEFAULT_PRICES["gpt-4o-mini"]


def test_cost() -> None:
    assert cost_usd(1_000_000, 1_000_000, Price(1.0, 2.0)) == pytest.approx(3.0)


def test_overrides_are_validated() -> None:
    assert parse_prices('{"mine": [1, 2]}') == {"mine": Price(1.0, 2.0)}
    assert parse_prices("") == {}
    for bad in ("[1, 2]", '{"m": [1]}', '{"m": [-1, 2]}', '{"m": ["a", 2]}'):
        with pytest.raises(ValueError):
            parse_prices(bad)
