"""The prompts the benchmark stores and asks, and their embeddings (computed once, kept on disk).

Entries are real prompts from /work/shared/data (both sides of every labelled pair, de-duplicated, about
25k). Sizes beyond that come from 100 deterministic prefix x suffix templates over those prompts
("Quick question: <prompt> Keep it short."), so 100k entries are real questions in many phrasings, the
kind of near-duplicates a production cache holds. Semantic-hit queries are the `b` side of pairs labelled
`same` whose `a` side is stored; the `b` side itself is never stored, so a hit can only be semantic.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from semcache.normalize import normalize_text

DATA_DIR = Path("/work/shared/data")
#: Files whose `same` pairs are paraphrases (not multi-turn transcripts).
PAIR_FILES = ("gptcache_mock_data", "meancache_test", "redis_langcache_eval_chatgpt", "banking77_test_intent_pairs")
PREFIXES = (
    "",
    "Quick question: ",
    "Please answer briefly: ",
    "I was wondering, ",
    "Can you tell me: ",
    "Explain simply: ",
    "For a school project: ",
    "In one sentence: ",
    "Honestly, ",
    "Help me understand: ",
)
SUFFIXES = (
    "",
    " Keep it short.",
    " Give an example.",
    " Answer for a beginner.",
    " Cite the key fact.",
    " Use plain English.",
    " Be precise.",
    " Explain why.",
    " List the steps.",
    " Thanks!",
)

Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Corpus:
    entries: list[str]  # what is stored, in fill order; the pairs' `a` sides first
    pairs: list[tuple[str, str]]  # (stored a, query b), a at entries[i] for i < len(pairs)


def _rows(name: str) -> list[dict[str, object]]:
    path = DATA_DIR / f"{name}.jsonl"
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _clean(text: object) -> str:
    return " ".join(str(text).split())


def load_corpus(size: int, *, max_pairs: int = 600) -> Corpus:
    """`size` stored prompts and up to `max_pairs` paraphrase pairs whose `a` side is among them."""
    pairs: list[tuple[str, str]] = []
    seen_a: set[str] = set()
    base: list[str] = []
    for name in PAIR_FILES:
        for row in _rows(name):
            a, b = _clean(row["a"]), _clean(row["b"])
            base += [a, b]
            if row.get("same") and a and b and a.casefold() != b.casefold() and a not in seen_a:
                pairs.append((a, b))
                seen_a.add(a)
    if not base:  # a machine without the shared data: a tiny synthetic set keeps the smoke run going
        base = [f"What is fact number {i} about topic {i % 97}?" for i in range(2000)]
        pairs = [(base[i], base[i].replace("What is", "Tell me")) for i in range(0, 400, 4)]
    pairs = pairs[: min(max_pairs, max(size // 2, 1))]
    queries = {b for _, b in pairs}
    unique = [p for p in dict.fromkeys(base) if p and p not in queries and p not in seen_a]
    # Keyed by the exact-path form: two prompts that normalize alike are one cache entry, not two.
    entries = {normalize_text(a): a for a, _ in pairs}
    for prefix in PREFIXES:
        for suffix in SUFFIXES:
            for prompt in unique:
                if len(entries) >= size:
                    return Corpus(list(entries.values()), pairs)
                entries.setdefault(normalize_text(f"{prefix}{prompt}{suffix}"), f"{prefix}{prompt}{suffix}")
    return Corpus(list(entries.values()), pairs)


def embed_all(
    texts: Sequence[str], encode: Callable[[list[str]], np.ndarray], cache_dir: Path, *, batch: int = 64
) -> tuple[Matrix, float]:
    """Embeddings of `texts` in order, and the seconds spent computing (0 when all came from the disk cache).

    Cached in blocks of 10k texts keyed by their content, so a smaller run reuses a larger one's work."""
    blocks, spent = [], 0.0
    for lo in range(0, len(texts), 10_000):
        block, secs = _embed_block(texts[lo : lo + 10_000], encode, cache_dir, batch=batch)
        blocks.append(block)
        spent += secs
    return (np.concatenate(blocks) if blocks else np.zeros((0, 384), np.float32)), spent


def _embed_block(
    texts: Sequence[str], encode: Callable[[list[str]], np.ndarray], cache_dir: Path, *, batch: int
) -> tuple[Matrix, float]:
    digest = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:20]
    path = cache_dir / f"emb-{len(texts)}-{digest}.npy"
    if path.is_file():
        return np.load(path).astype(np.float32), 0.0
    # Shortest first, which keeps the model's worker threads evenly loaded within a batch.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), 384), dtype=np.float32)
    started = time.perf_counter()
    for i in range(0, len(order), batch):
        idx = order[i : i + batch]
        out[idx] = encode([texts[j] for j in idx])
    spent = time.perf_counter() - started
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.save(path, out)
    return out, spent
