"""Hyper-parameter overrides of the training scripts keep each default's type."""

from __future__ import annotations

from typing import Any

from tools.verifier_train.options import apply_overrides


def test_overrides_take_the_type_of_the_default() -> None:
    hyper: dict[str, Any] = {"lr": 2e-5, "batch": 32, "synthetic_only": False, "group_weight": "equal"}
    apply_overrides(hyper, ["lr=1e-5", "batch=64", "synthetic_only=true", "group_weight=sqrt"])
    assert hyper == {"lr": 1e-5, "batch": 64, "synthetic_only": True, "group_weight": "sqrt"}
    apply_overrides(hyper, ["synthetic_only=0"])
    assert hyper["synthetic_only"] is False
