"""The training scripts' options: overrides keep each default's type; folds come in a fixed order."""

from __future__ import annotations

from typing import Any

from tools.verifier_train.options import apply_overrides, folds


def test_overrides_take_the_type_of_the_default() -> None:
    hyper: dict[str, Any] = {"lr": 2e-5, "batch": 32, "synthetic_only": False, "group_weight": "equal"}
    apply_overrides(hyper, ["lr=1e-5", "batch=64", "synthetic_only=true", "group_weight=sqrt"])
    assert hyper == {"lr": 1e-5, "batch": 64, "synthetic_only": True, "group_weight": "sqrt"}
    apply_overrides(hyper, ["synthetic_only=0"])
    assert hyper["synthetic_only"] is False


def test_folds_hold_each_group_out_in_order_then_train_on_all() -> None:
    assert folds({"quora", "banking", "small"}, None) == ["banking", "quora", "small", "all"]
    assert folds({"quora", "banking"}, "quora") == ["quora"]
    assert folds({"quora"}, "all") == ["all"]
