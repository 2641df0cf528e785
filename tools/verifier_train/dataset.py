"""Offline: the pairs the second stage learns from, each with the cross-validation group it belongs to.

    python -m tools.verifier_train.dataset ../shared/data /tmp/synthetic.jsonl --out /work/train/pairs.jsonl

Labelled rows of every single-prompt file (conversations keep their own rule, `verify/context.py`) plus
the generated pairs of `augment.py`, capped per (source file, rule) so Quora's 71k rows do not drown the
rules in their own rewrites. Every row carries its *group*: a fold holds a group out whole, generated pairs
included (a pair made from a held-out prompt is never trained on). Quora's two files are one group, as
../shared/data/README.md asks.
"""

from __future__ import annotations

import argparse
import json
import random
import unicodedata
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path

__all__ = ["CONFIG", "GROUPS", "group_of", "main", "normalize", "rows"]

#: Cross-validation groups: file stem -> group. Four folds, each holding one group out.
GROUPS = {
    "quora_question_pairs": "quora",
    "meancache_test": "quora",
    "clinc150_test_intent_pairs": "clinc",
    "banking77_test_intent_pairs": "banking",
    "gptcache_mock_data": "small",
    "redis_langcache_eval_chatgpt": "small",
    "fow_cache_pairs": "small",
    "meancache_contextual_dups": "small",
}

#: The data mix: generated pairs kept per (source file, rule), and the seed of that draw.
CONFIG = {"synthetic_per_source_rule": 3000, "seed": 13}


def normalize(text: str) -> str:
    """`semcache.normalize.normalize_text`, restated: the training venv has torch but not semcache (nor its
    pydantic), and the prompts must be what the cache embeds (states.py keys hidden states by it too)."""
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def group_of(stem: str) -> str:
    return GROUPS[stem]


def _labelled(data: Path) -> Iterator[dict[str, object]]:
    for stem in GROUPS:
        with (data / f"{stem}.jsonl").open(encoding="utf-8") as f:
            for i, line in enumerate(f):
                row = json.loads(line)
                yield {"a": row["a"], "b": row["b"], "same": bool(row["same"]), "group": GROUPS[stem],
                       "file": stem, "row": i, "rule": ""}  # fmt: skip


def _synthetic(path: Path, cap: int, seed: int) -> Iterator[dict[str, object]]:
    by_key: dict[tuple[str, str], list[dict[str, object]]] = defaultdict(list)
    with path.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row["source"] in GROUPS:
                by_key[(row["source"], row["rule"])].append(row)
    rng = random.Random(seed)
    for (source, rule), found in sorted(by_key.items()):
        for row in rng.sample(found, min(cap, len(found))):
            yield {"a": row["a"], "b": row["b"], "same": bool(row["same"]), "group": GROUPS[source],
                   "file": "synthetic", "row": -1, "rule": rule, "source": source}  # fmt: skip


def rows(data: Path, synthetic: Path) -> list[dict[str, object]]:
    cap, seed = int(CONFIG["synthetic_per_source_rule"]), int(CONFIG["seed"])
    return [*_labelled(data), *_synthetic(synthetic, cap, seed)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path)
    parser.add_argument("synthetic", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    with args.out.open("w", encoding="utf-8") as f:
        for row in rows(args.data, args.synthetic):
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
