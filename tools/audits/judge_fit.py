"""Fit the embedding answer judge's cut-off and measure its error (docs/audits.md).

No labelled pairs of *answers* exist here, so the set is generated: for each labelled prompt pair of an intent
file in ../shared/data, the two prompts' answers come from `tests/support/labelled.py` (the same fact in
another wording for the same intent, another intent's fact otherwise), each pair in two different wordings.
The cut-off is fitted on banking77 (fewest judge errors, ties to the higher cut-off: a false "wrong" only
costs a served entry, a false "right" hides a wrong answer) and the error measured on clinc150, which took
no part in fitting.

    .venv/bin/python -m tools.audits.judge_fit [--rows 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bench.data import shared_dir
from semcache.config import Settings
from semcache.embeddings.factory import start_embedder
from tests.support.labelled import WORDINGS, answer

__all__ = ["main"]

FIT, HELD_OUT = "banking77_test_intent_pairs", "clinc150_test_intent_pairs"


def data_dir() -> Path:
    shared = shared_dir()
    if shared is None:
        raise SystemExit("no ../shared/data beside the repository: the judge is fitted on its intent files")
    return shared / "data"


def label_pairs(name: str, rows: int, seed: int) -> list[tuple[str, str]]:
    metas = [json.loads(line) for line in (data_dir() / f"{name}.meta.jsonl").read_text().splitlines() if line.strip()]
    pairs = [(m["intent_a"], m["intent_b"]) for m in metas]
    return random.Random(seed).sample(pairs, min(rows, len(pairs)))


async def scores(pairs: Sequence[tuple[str, str]], seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = random.Random(seed)
    texts: list[str] = []
    for a, b in pairs:
        w = rng.randrange(len(WORDINGS))
        texts += [answer(a, w), answer(b, w + 1 + rng.randrange(len(WORDINGS) - 1))]
    embedder = await start_embedder(Settings(_env_file=None))
    try:
        vectors = np.stack(await embedder.embed(texts))
    finally:
        await embedder.aclose()
    sims = np.einsum("ij,ij->i", vectors[0::2], vectors[1::2])
    same = np.array([a == b for a, b in pairs])
    return sims, same


def errors(sims: np.ndarray, same: np.ndarray, cut: float) -> tuple[float, float]:
    """(false alarm: a same-label pair called wrong, miss: a different-label pair called right)."""
    called_same = sims >= cut
    false_alarm = float(np.mean(~called_same[same])) if same.any() else 0.0
    miss = float(np.mean(called_same[~same])) if (~same).any() else 0.0
    return false_alarm, miss


def fit(sims: np.ndarray, same: np.ndarray) -> float:
    grid = [round(0.5 + i / 100, 2) for i in range(50)]
    return min(reversed(grid), key=lambda c: sum(errors(sims, same, c)))


async def run(rows: int) -> None:
    fit_sims, fit_same = await scores(label_pairs(FIT, rows, 1), 1)
    cut = fit(fit_sims, fit_same)
    print(f"cut-off fitted on {FIT} ({len(fit_same)} pairs, {int(fit_same.sum())} same): {cut:.2f}")
    for name, (sims, same) in (
        (FIT, (fit_sims, fit_same)),
        (HELD_OUT, await scores(label_pairs(HELD_OUT, rows, 2), 2)),
    ):
        fa, miss = errors(sims, same, cut)
        print(f"{name}: {len(same)} pairs; false alarm {fa:.2%} (same answer called wrong), miss {miss:.2%} "
              f"(different answer called right); similarity same p5 {np.percentile(sims[same], 5):.3f}, "
              f"different p95 {np.percentile(sims[~same], 95):.3f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=3000)
    asyncio.run(run(parser.parse_args().rows))


if __name__ == "__main__":
    main()
