"""Offline: generated training pairs for the verifier, from the prompts of labelled training files.

    python -m tools.verifier_train.augment ../shared/data/quora_question_pairs.jsonl \\
        ../shared/data/clinc150_test_intent_pairs.jsonl --seed 13 --per-text 2 --out /tmp/synthetic.jsonl

Each source prompt yields up to `per_text` near-misses (`same: false`) and as many paraphrases
(`same: true`), each from a rule of `rules.py` that applies to it, picked with a seeded generator: the
same files and seed give the same lines, byte for byte. A line records its rule and source file, so a
cross-validation fold can drop every pair generated from a held-out file (never train on a prompt
whose file is scored).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from tools.verifier_train.rules import FALLBACK, NEGATIVE, POSITIVE, Rule

__all__ = ["Generated", "generate", "main", "prompts"]


@dataclass(frozen=True)
class Generated:
    a: str
    b: str
    same: bool
    rule: str
    source: str  # the file the prompt came from (its stem)


def prompts(path: Path) -> list[str]:
    """Both sides of every row, each prompt once, in file order."""
    seen: dict[str, None] = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            for side in (row["a"], row["b"]):
                seen.setdefault(side.strip(), None)
    return [p for p in seen if p]


def _pick(text: str, rules: Mapping[str, Rule], k: int, rng: random.Random) -> Iterator[tuple[str, str]]:
    """Up to k rewrites by the specific rules, in random order; a fallback rule only where none applied."""
    names = sorted(rules)
    rng.shuffle(names)
    names.sort(key=lambda name: name in FALLBACK)  # stable: shuffled within each tier
    made = 0
    for name in names:
        if made == k or (made and name in FALLBACK):
            return
        changed = rules[name](text, rng)
        if changed is not None and changed.strip() and changed != text:
            made += 1
            yield name, changed


def generate(texts: Iterable[str], *, source: str, seed: int, per_text: int) -> list[Generated]:
    """Near-misses and paraphrases of each text; deterministic for a given seed and text order."""
    rng = random.Random(f"{seed}:{source}")
    out: list[Generated] = []
    for text in texts:
        for same, rules in ((False, NEGATIVE), (True, POSITIVE)):
            for name, changed in _pick(text, rules, per_text, rng):
                out.append(Generated(text, changed, same, name, source))
    return out


def _args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.verifier_train.augment", description=__doc__)
    parser.add_argument("files", nargs="+", type=Path, help="labelled pair files (*.jsonl) to take prompts from")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--per-text", type=int, default=2, help="pairs of each label per prompt, at most")
    parser.add_argument("--limit", type=int, default=0, help="prompts per file, at most (0: all)")
    parser.add_argument("--out", type=Path, required=True)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _args(argv)
    counts: dict[str, int] = {}
    with args.out.open("w", encoding="utf-8") as out:
        for path in args.files:
            texts = prompts(path)[: args.limit or None]
            for pair in generate(texts, source=path.stem, seed=args.seed, per_text=args.per_text):
                out.write(json.dumps(asdict(pair), ensure_ascii=False) + "\n")
                key = f"{'same' if pair.same else 'not same'} {pair.rule}"
                counts[key] = counts.get(key, 0) + 1
    for key in sorted(counts):
        print(f"{counts[key]:8d}  {key}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
