"""The prompts the benchmark stores and asks, and their embeddings (computed once, kept on disk).

Entries are real prompts from `../shared/data` beside the repository (both sides of every labelled pair,
de-duplicated, about 25k). Sizes beyond that come from 100 deterministic prefix x suffix templates over those prompts
("Quick question: <prompt> Keep it short."), so 100k entries are real questions in many phrasings, the
kind of near-duplicates a production cache holds. Semantic-hit queries are the `b` side of pairs labelled
`same` whose `a` side is stored; the `b` side itself is never stored, so a hit can only be semantic.

Without that folder the run says so loudly on stderr and in its corpus (`Corpus.source`), and uses a small
synthetic set so the smoke run still exercises every path; under CI=true a missing folder is an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from semcache.normalize import normalize_text

REPO = Path(__file__).resolve().parents[1]
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
    source: str = "shared/data"  # or "synthetic": the data sets were missing (a warning said so)


class SharedDataMissing(FileNotFoundError):
    """shared/data is not beside the repository (nor beside the main checkout of a git worktree)."""


def _checkouts(repo: Path) -> Iterator[Path]:
    yield repo
    git = repo / ".git"
    if git.is_file():  # a git worktree: ".git" says "gitdir: <main checkout>/.git/worktrees/<name>"
        gitdir = Path(git.read_text(encoding="utf-8").partition("gitdir:")[2].strip())
        yield from (parent.parent for parent in gitdir.parents if parent.name == ".git")


def shared_dir(repo: Path | None = None) -> Path | None:
    """`../shared` relative to the repository (the project keeps its data sets there, outside git)."""
    repo = repo or REPO
    return next((root.parent / "shared" for root in _checkouts(repo) if (root.parent / "shared").is_dir()), None)


def data_dir(repo: Path | None = None) -> Path:
    repo = repo or REPO
    shared = shared_dir(repo)
    if shared is None or not (shared / "data").is_dir():
        looked = ", ".join(str(root.parent / "shared" / "data") for root in _checkouts(repo))
        raise SharedDataMissing(f"the labelled data sets are missing (looked in {looked})")
    return shared / "data"


def _rows(folder: Path, name: str) -> list[dict[str, object]]:
    path = folder / f"{name}.jsonl"
    if not path.is_file():
        raise SharedDataMissing(f"{path} is missing: the corpus would silently lose a data set")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _synthetic(reason: Exception) -> tuple[list[str], list[tuple[str, str]], str]:
    if os.environ.get("CI") == "true":
        raise reason
    print(
        f"bench: WARNING: {reason}. Using 2,000 synthetic prompts instead: the figures are NOT comparable with"
        " docs/benchmarks.md. Put the data sets in ../shared/data beside the repository.",
        file=sys.stderr,
        flush=True,
    )
    base = [f"What is fact number {i} about topic {i % 97}?" for i in range(2000)]
    return base, [(base[i], base[i].replace("What is", "Tell me")) for i in range(0, 400, 4)], "synthetic"


def _clean(text: object) -> str:
    return " ".join(str(text).split())


def load_corpus(size: int, *, max_pairs: int = 600) -> Corpus:
    """`size` stored prompts and up to `max_pairs` paraphrase pairs whose `a` side is among them."""
    try:
        base, pairs, source = _shared_prompts(data_dir())
    except SharedDataMissing as missing:
        base, pairs, source = _synthetic(missing)
    seen_a = {a for a, _ in pairs}
    pairs = pairs[: min(max_pairs, max(size // 2, 1))]
    queries = {b for _, b in pairs}
    unique = [p for p in dict.fromkeys(base) if p and p not in queries and p not in seen_a]
    # Keyed by the exact-path form: two prompts that normalize alike are one cache entry, not two.
    entries = {normalize_text(a): a for a, _ in pairs}
    for prefix in PREFIXES:
        for suffix in SUFFIXES:
            for prompt in unique:
                if len(entries) >= size:
                    return Corpus(list(entries.values()), pairs, source)
                entries.setdefault(normalize_text(f"{prefix}{prompt}{suffix}"), f"{prefix}{prompt}{suffix}")
    return Corpus(list(entries.values()), pairs, source)


def _shared_prompts(folder: Path) -> tuple[list[str], list[tuple[str, str]], str]:
    """Both sides of every pair (in file order) and the `same` pairs, one per distinct `a` side."""
    pairs: list[tuple[str, str]] = []
    seen_a: set[str] = set()
    base: list[str] = []
    for name in PAIR_FILES:
        for row in _rows(folder, name):
            a, b = _clean(row["a"]), _clean(row["b"])
            base += [a, b]
            if row.get("same") and a and b and a.casefold() != b.casefold() and a not in seen_a:
                pairs.append((a, b))
                seen_a.add(a)
    return base, pairs, str(folder)


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
