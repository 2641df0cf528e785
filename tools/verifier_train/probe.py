"""Offline: how the shipped first and second stage treat generated pairs, rule by rule.

    python -m tools.verifier_train.probe /tmp/synthetic.jsonl --per-rule 300

For a seeded sample of each rule's pairs: the cosine of the two prompts as the cache embeds them (the
local int8 MiniLM over the normalised text), the share at or above the pair model's similarity floor, and
the share the shipped pair model would serve. A near-miss rule's "served" is the verifier's wrong-answer
exposure to that kind of change; a paraphrase rule's is how much of a free hit it takes.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from semcache.embeddings.local import OnnxMiniLM
from semcache.normalize import normalize_text
from semcache.verify.features import vector
from semcache.verify.model import PairModel, shipped

__all__ = ["main", "score"]


def _sample(path: Path, per_rule: int, seed: int) -> dict[tuple[str, bool], list[tuple[str, str]]]:
    groups: dict[tuple[str, bool], list[tuple[str, str]]] = defaultdict(list)
    with path.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            groups[(row["rule"], row["same"])].append((row["a"], row["b"]))
    rng = random.Random(seed)
    return {k: rng.sample(v, min(per_rule, len(v))) for k, v in sorted(groups.items())}


def score(model: OnnxMiniLM, pairs: list[tuple[str, str]], pair_model: PairModel) -> tuple[float, float, float]:
    """(mean cosine, share at or above the floor, share served) of (cached a, query b) pairs."""
    a = model.encode([normalize_text(x) for x, _ in pairs])
    b = model.encode([normalize_text(y) for _, y in pairs])
    cosines = (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    over = served = 0
    for (cached, query), sim in zip(pairs, cosines.tolist(), strict=True):
        if sim >= pair_model.min_similarity:
            over += 1
            served += pair_model.probability(vector(query, cached, sim)) >= pair_model.min_probability
    n = len(pairs)
    return float(cosines.mean()), over / n, served / n


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.verifier_train.probe", description=__doc__)
    parser.add_argument("pairs", type=Path, help="generated pairs (tools.verifier_train.augment's output)")
    parser.add_argument("--per-rule", type=int, default=300)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    model, pair_model = OnnxMiniLM(threads=1), shipped()
    model.load()
    print(f"| rule | label | pairs | mean cosine | >= {pair_model.min_similarity} | served |")
    print("|---|---|---:|---:|---:|---:|")
    try:
        for (rule, same), pairs in _sample(args.pairs, args.per_rule, args.seed).items():
            mean, over, served = score(model, pairs, pair_model)
            label = "same" if same else "not same"
            print(f"| {rule} | {label} | {len(pairs)} | {mean:.3f} | {over:.0%} | {served:.0%} |")
    finally:
        model.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
