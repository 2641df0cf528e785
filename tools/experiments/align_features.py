"""Experiment, not product: does BERTScore-style token alignment help the pair model on unseen files?

Issue #20 proposed it: a content token of one prompt with no counterpart in the other is what a near-miss
looks like, and the embedder's own hidden states can say so. This adds up to two features to
`semcache.verify.features` for one run of `semcache eval --cv files` and writes that run's report:
- `align_f1`: BERTScore F1 over the word pieces of both prompts (last hidden layer, cosine);
- `align_worst`: the worst-aligned content piece on either side (its best cosine to the other side).

    python -m tools.experiments.align_features both ../shared/data --out /tmp/align.md

Measured 2026-11-29 (docs/decisions.md): neither pays under cross-validation; the fitted
weights stay near zero and the held-out figures move within a row or two per file.
"""

from __future__ import annotations

import functools
import string
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

import semcache.calibration.cvreport
import semcache.calibration.table
import semcache.verify.features as features
import semcache.verify.model as model
import semcache.verify.verifier
from semcache.embeddings.local import OnnxMiniLM

Floats = npt.NDArray[np.float32]
FEATURES = {"f1": ("align_f1",), "worst": ("align_worst",), "both": ("align_f1", "align_worst")}
_STOP = frozenset(("a", "an", "the", "of", "to", "in", "on", "for", "is", "are", "was", "be", "do", "does",
                   "did", "how", "what", "which", "who", "i", "my", "me", "you", "your", "it", "can", "could",
                   "would", "should", "please", "tell"))  # fmt: skip


class Aligner:
    """Per-piece hidden states of a text (cached), and the two alignment scores of a pair."""

    def __init__(self) -> None:
        self._model = OnnxMiniLM(threads=1)
        self._model.load()

    @functools.lru_cache(maxsize=100_000)  # noqa: B019 - one instance for the life of the run
    def states(self, text: str) -> tuple[Floats, Floats]:
        tokens, hidden = self._model.token_states(text)
        hidden = hidden / np.linalg.norm(hidden, axis=1, keepdims=True)
        pieces = [
            i for i, t in enumerate(tokens)
            if t not in ("[CLS]", "[SEP]") and not all(c in string.punctuation for c in t)
        ] or [0]  # fmt: skip
        content = [i for i in pieces if tokens[i].lstrip("#") not in _STOP] or pieces
        return hidden[pieces], hidden[content]

    def scores(self, query: str, cached: str) -> tuple[float, float]:
        (q_all, q_content), (c_all, c_content) = self.states(query), self.states(cached)
        sims = q_all @ c_all.T
        recall, precision = float(sims.max(1).mean()), float(sims.max(0).mean())
        f1 = 2 * recall * precision / (recall + precision)
        content = q_content @ c_content.T
        worst = min(float(content.max(1).min()), float(content.max(0).min()))
        return (f1 - 0.85) / 0.05, (worst - 0.7) / 0.1  # centred and scaled like similarity_z


def install(which: str) -> None:
    """Point the pair model's feature vector, in every module that reads it, at the extended one."""
    extra = FEATURES[which]
    aligner = Aligner()
    base: Callable[[str, str, float], tuple[float, ...]] = features.vector
    names = features.NAMES + extra

    def vector(query: str, cached: str, similarity: float) -> tuple[float, ...]:
        f1, worst = aligner.scores(query, cached)
        chosen = {"align_f1": f1, "align_worst": worst}
        return base(query, cached, similarity) + tuple(chosen[n] for n in extra)

    shipped = model.shipped()

    def extended() -> model.PairModel:  # the shipped weights, the new features weighed 0 (in-sample table)
        return model.PairModel(shipped.weights + (0.0,) * len(extra), shipped.bias, shipped.min_similarity,
                               shipped.min_probability)  # fmt: skip

    replaced: dict[str, tuple[object, tuple[object, ...]]] = {
        "NAMES": (names, (features, model, semcache.calibration.table, semcache.calibration.cvreport)),
        "vector": (vector, (features, semcache.calibration.table, semcache.verify.verifier)),
        "shipped": (extended, (model, semcache.verify.verifier)),
    }
    for attribute, (value, modules) in replaced.items():
        for module in modules:
            setattr(module, attribute, value)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in FEATURES:
        print(f"usage: python -m tools.experiments.align_features {{{','.join(FEATURES)}}} [semcache eval args]")
        return 2
    install(argv[0])
    from semcache.cli import main as semcache_main

    # Never over docs/quality.md, which the shipped model's run writes.
    out = [] if "--out" in argv else ["--out", str(Path(tempfile.gettempdir()) / "align_features.md")]
    sys.argv = ["semcache", "eval", "--cv", "files", *out, *argv[1:]]
    return semcache_main()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
