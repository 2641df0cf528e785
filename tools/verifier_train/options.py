"""The options every training script of this folder takes: which fold to train, and hyper-parameter overrides."""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["add_fold_options", "apply_overrides", "folds"]


def add_fold_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--only", help="train just this fold (a group name, or 'all')")
    parser.add_argument("--set", action="append", default=[], help="experiments: override HYPER key=value")


def apply_overrides(hyper: dict[str, Any], items: Sequence[str]) -> None:
    """`key=value` items into `hyper`, each value of its default's type ("true"/"1" for a flag)."""
    for item in items:
        key, value = item.split("=", 1)
        kind = type(hyper[key])
        hyper[key] = value.lower() in ("1", "true") if kind is bool else kind(value)


def folds(groups: Iterable[str], only: str | None) -> list[str]:
    """The folds to train, in order: one per held-out group, then "all" (trained on every group); `--only`
    picks one of them."""
    return [held for held in [*sorted(groups), "all"] if not only or held == only]
