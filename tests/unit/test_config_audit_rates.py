"""CACHE_AUDIT_RATES: per-namespace audit rates, checked when the settings are read (start-up)."""

from __future__ import annotations

from typing import Any, cast

import pytest
from pydantic import ValidationError

from semcache.config import Settings, parse_rates


def test_rates_per_namespace_override_the_default() -> None:
    settings = Settings(_env_file=None, CACHE_AUDIT_RATE=0.02, CACHE_AUDIT_RATES="support=0.1, search=0,=0.5")
    assert settings.audit_rates == {"support": 0.1, "search": 0.0, "": 0.5}
    assert [settings.audit_rate_for(n) for n in ("support", "search", "", "other")] == [0.1, 0.0, 0.5, 0.02]
    assert parse_rates("") == {}


@pytest.mark.parametrize(
    ("raw", "names"),
    [("support", "'support'"), ("support=1.5", "'support=1.5'"), ("a=x", "'a=x'"), ("a=0.1,a=0.2", "'a' is given")],
)
def test_a_bad_item_stops_start_up_and_is_named(raw: str, names: str) -> None:
    with pytest.raises(ValidationError, match=f"CACHE_AUDIT_RATES: .*{names}"):
        Settings(_env_file=None, CACHE_AUDIT_RATES=raw)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CACHE_LEARN_SIMILARITY_MIN": 0.9}, "both"),
        ({"CACHE_LEARN_SIMILARITY_MIN": 0.95, "CACHE_LEARN_SIMILARITY_MAX": 0.9, "CACHE_MAX_ERROR": 0.05}, "above"),
        ({"CACHE_LEARN_SIMILARITY_MIN": 0.9, "CACHE_LEARN_SIMILARITY_MAX": 0.95}, "needs CACHE_MAX_ERROR"),
    ],
)
def test_learning_limits_are_checked_at_start_up(env: dict[str, float], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(_env_file=None, **cast(dict[str, Any], env))
