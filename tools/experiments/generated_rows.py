"""Experiment, not product: does the pair model generalise better when it also learns from generated pairs?

Issue #27 asks for more data made by generic rules (`tools/verifier_train/rules.py`: near-misses such as a
negation, another number, swapped roles, an added qualifier; paraphrases such as casing, contractions,
polite wrappers). The reader and the fine-tuned embedder learnt from them and did not carry over to other
sources (docs/verification.md). This tries the smallest learner: the pair model's logistic regression
itself. For one run of `semcache eval --cv files`, every fold's training rows (the nearest candidate of each
lookup in the band) are joined by the pairs generated from the prompts of that fold's training files, never
from the file it scores; the threshold, cut-off and guards are still chosen on the real files only.

    python -m tools.experiments.generated_rows --weight 1 ../shared/data/banking77_test_intent_pairs.jsonl \\
        ... --out /tmp/generated.md

`--weight`: the generated rows together weigh that many files (each real file weighs one). Measured
2026-12-07 (docs/decisions.md).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

import semcache.calibration.learn as learn
from semcache.cache.semantic import embed_keys
from semcache.calibration.eval import data_files
from semcache.calibration.pairs import load_pairs
from semcache.calibration.table import Table
from semcache.config import Settings
from semcache.embeddings.factory import local_embedder
from semcache.verify.context import is_conversation
from semcache.verify.features import vector
from tools.verifier_train.augment import generate

Floats = npt.NDArray[np.float64]
#: Generated pairs kept per file (a seeded sample), and the eval's own sampling of each file.
PER_FILE = 3000
MAX_ROWS, SAMPLE_SEED = 2000, 0
_BATCH = 256


async def featurise(paths: Sequence[Path], *, seed: int, per_file: int) -> dict[str, tuple[Floats, Floats]]:
    """File stem -> (features, labels) of the pairs generated from the prompts the eval samples from it,
    inside the band the model is trained on."""
    embedder = local_embedder(Settings())
    await embedder.start()
    out: dict[str, tuple[Floats, Floats]] = {}
    try:
        for path in paths:
            pairs = load_pairs(path, max_rows=MAX_ROWS, seed=SAMPLE_SEED)
            texts = list(dict.fromkeys(t for p in pairs for t in (p.a, p.b) if not is_conversation(t)))
            made = generate(texts, source=path.stem, seed=seed, per_text=1)
            made = random.Random(seed).sample(made, min(per_file, len(made)))
            xs, ys = [], []
            for start in range(0, len(made), _BATCH):
                chunk = made[start : start + _BATCH]
                stored = await embed_keys(embedder, [g.a for g in chunk])
                asked = await embed_keys(embedder, [g.b for g in chunk])
                for g, a, b in zip(chunk, stored, asked, strict=True):
                    similarity = float(np.dot(a, b))
                    if similarity >= learn.BAND_FLOOR:
                        xs.append(vector(g.b, g.a, similarity))
                        ys.append(float(g.same))
            if xs:
                out[path.stem] = (np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64))
    finally:
        await embedder.aclose()
    return out


def install(generated: Mapping[str, tuple[Floats, Floats]], weight: float) -> None:
    """Every fit's training rows joined by the generated rows of its own files, weighing `weight` files."""
    real: Callable[[Sequence[Table]], tuple[Floats, Floats, Floats]] = learn.training_rows

    def training_rows(tables: Sequence[Table]) -> tuple[Floats, Floats, Floats]:
        x, y, w = real(tables)
        mine = [generated[t.name] for t in tables if t.name in generated]
        if not mine or weight <= 0:
            return x, y, w
        gx = np.vstack([m[0] for m in mine])
        gy = np.concatenate([m[1] for m in mine])
        gw = np.full(len(gy), weight * (w.sum() / len(tables)) / len(gy))
        return np.vstack([x, gx]), np.concatenate([y, gy]), np.concatenate([w, gw])

    learn.training_rows = training_rows  # read by learn.fit at call time


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.experiments.generated_rows")
    parser.add_argument("--weight", type=float, default=1.0, help="the generated rows weigh this many files")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--per-file", type=int, default=PER_FILE)
    args, rest = parser.parse_known_args(argv)
    paths = data_files([Path(a) for a in rest if Path(a).suffix == ".jsonl" or Path(a).is_dir()])
    install(asyncio.run(featurise(paths, seed=args.seed, per_file=args.per_file)), args.weight)
    from semcache.cli import main as semcache_main

    # Never over docs/quality.md, which the shipped model's run writes.
    out = [] if "--out" in rest else ["--out", str(Path(tempfile.gettempdir()) / "generated_rows.md")]
    sys.argv = ["semcache", "eval", "--cv", "files", *out, *rest]
    return semcache_main()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
