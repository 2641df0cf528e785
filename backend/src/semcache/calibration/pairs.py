"""Labelled prompt pairs (`{"a", "b", "same"}` JSONL) and a seeded sample of them. Pure but for reading."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, replace
from pathlib import Path

__all__ = ["Pair", "has_negatives", "load_pairs", "parse_pairs", "sample"]


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    same: bool
    #: The class of each side where a meta file gives one (banking77: the intent), for `labels`.
    class_a: str | None = None
    class_b: str | None = None


def parse_pairs(lines: list[str], *, source: str = "<pairs>") -> list[Pair]:
    pairs = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            pairs.append(Pair(str(row["a"]), str(row["b"]), bool(row["same"]),
                              row.get("class_a"), row.get("class_b")))  # fmt: skip
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"{source}:{n}: expected a JSON object with a, b, same ({e})") from e
    return pairs


def sample(pairs: list[Pair], max_rows: int, *, seed: int = 0) -> list[Pair]:
    """At most `max_rows` pairs drawn with a fixed seed, in file order (0 or fewer: all of them)."""
    if max_rows <= 0 or len(pairs) <= max_rows:
        return list(pairs)
    keep = sorted(random.Random(seed).sample(range(len(pairs)), max_rows))
    return [pairs[i] for i in keep]


def with_classes(pairs: list[Pair], meta_lines: list[str]) -> list[Pair]:
    """Attach per-side classes from a `*.meta.jsonl` (same rows, same order) that has `intent_a/_b`."""
    rows = [json.loads(line) for line in meta_lines if line.strip()]
    if len(rows) != len(pairs) or not all("intent_a" in r and "intent_b" in r for r in rows):
        return pairs
    return [
        replace(p, class_a=str(r["intent_a"]), class_b=str(r["intent_b"])) for p, r in zip(pairs, rows, strict=True)
    ]


def meta_path(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".jsonl") + ".meta.jsonl")


def load_pairs(path: Path, *, max_rows: int = 0, seed: int = 0) -> list[Pair]:
    pairs = parse_pairs(path.read_text(encoding="utf-8").splitlines(), source=str(path))
    meta = meta_path(path)
    if meta.is_file():
        pairs = with_classes(pairs, meta.read_text(encoding="utf-8").splitlines())
    return sample(pairs, max_rows, seed=seed)


def has_negatives(pairs: list[Pair]) -> bool:
    return any(not p.same for p in pairs)
