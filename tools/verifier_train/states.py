"""Offline: the embedder's last hidden states of every prompt in a pairs file, the second stage's input.

    python -m tools.verifier_train.states /work/train/pairs.jsonl --out /work/train/states

The shipped int8 MiniLM (the model the service runs, one text at a time) over each prompt as the cache
normalises it. Writes `texts.json` (normalised prompts), `offsets.npy` (row span of each) and `states.npy`
(float16 rows, [CLS] and [SEP] included, at most `MAX_ROWS` per prompt).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from semcache.embeddings.local import OnnxMiniLM
from semcache.normalize import normalize_text

__all__ = ["MAX_ROWS", "main"]

#: Word pieces kept per prompt (the service truncates the same way).
MAX_ROWS = 64


def _texts(pairs: Path) -> list[str]:
    seen: dict[str, None] = {}
    with pairs.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            for side in (row["a"], row["b"]):
                seen.setdefault(normalize_text(side), None)
    return list(seen)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("pairs", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    texts = _texts(args.pairs)
    model = OnnxMiniLM(threads=1)
    model.load()
    started = time.monotonic()

    def one(text: str) -> np.ndarray:
        return model.token_states(text)[1][:MAX_ROWS].astype(np.float16)

    with ThreadPoolExecutor(args.threads) as pool:
        states = []
        for i, s in enumerate(pool.map(one, texts, chunksize=64)):
            states.append(s)
            if i % 20000 == 0:
                print(f"{i}/{len(texts)} {time.monotonic() - started:.0f}s", file=sys.stderr, flush=True)
    offsets = np.cumsum([0] + [len(s) for s in states]).astype(np.int64)
    args.out.mkdir(parents=True, exist_ok=True)
    np.save(args.out / "states.npy", np.concatenate(states))
    np.save(args.out / "offsets.npy", offsets)
    (args.out / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    print(f"{len(texts)} prompts, {offsets[-1]} rows in {time.monotonic() - started:.0f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
