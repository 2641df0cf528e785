"""The pair model: a logistic regression over `features.NAMES`, and the band it runs in.

The weights and the operating point (the lowest similarity it is asked about, the probability a
candidate needs) are a small JSON file shipped in the package (`semcache/data/pair_model.json`), written
by `semcache eval --cv files --fit-out ...` together with the files and rows it was fitted on. Scoring is
a dot product in pure Python: on a semantic hit it costs microseconds, not the milliseconds an extra
model run would.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from semcache.verify.features import NAMES, READER

__all__ = ["SHIPPED", "SHIPPED_READER", "PairModel", "load", "parse", "shipped"]

SHIPPED = "data/pair_model.json"
#: The model over the same features plus the second stage's logit (`reader.py`): what ships by default.
SHIPPED_READER = "data/pair_model_reader.json"


@dataclass(frozen=True)
class PairModel:
    weights: tuple[float, ...]  # in `NAMES` order
    bias: float
    #: Where the model's say starts: below this similarity a candidate is a miss without being scored.
    min_similarity: float
    #: The probability of "same request" a candidate needs to be served.
    min_probability: float
    #: Whether the last weight is the reader's logit (`features.READER`), after `NAMES`.
    reads: bool = False

    @property
    def features(self) -> tuple[str, ...]:
        return (*NAMES, READER) if self.reads else NAMES

    def probability(self, x: Sequence[float]) -> float:
        z = self.bias + sum(w * v for w, v in zip(self.weights, x, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def to_json(self, provenance: Mapping[str, object]) -> str:
        body = {
            "features": list(self.features),
            "weights": [round(w, 6) for w in self.weights],
            "bias": round(self.bias, 6),
            "min_similarity": self.min_similarity,
            "min_probability": self.min_probability,
            "provenance": dict(provenance),
        }
        return json.dumps(body, indent=1) + "\n"


def parse(text: str) -> PairModel:
    raw = json.loads(text)
    reads = list(raw["features"]) == [*NAMES, READER]
    if not reads and list(raw["features"]) != list(NAMES):
        raise ValueError(f"pair model features {raw['features']} do not match this version's {list(NAMES)}")
    weights = tuple(float(w) for w in raw["weights"])
    return PairModel(weights, float(raw["bias"]), float(raw["min_similarity"]), float(raw["min_probability"]), reads)


def shipped(*, reader: bool = False) -> PairModel:
    """The shipped model: with the reader's logit as a feature, or the word features alone."""
    path = SHIPPED_READER if reader else SHIPPED
    return parse(resources.files("semcache").joinpath(path).read_text(encoding="utf-8"))


def load(path: Path) -> PairModel:
    """A model of one's own (CACHE_VERIFY_MODEL_PATH), as `semcache eval --cv files --fit-out` writes it."""
    try:
        return parse(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ValueError(f"CACHE_VERIFY_MODEL_PATH: cannot read {path}: {e.strerror or e}") from e
    except (ValueError, KeyError, TypeError) as e:  # json.JSONDecodeError is a ValueError
        raise ValueError(f"CACHE_VERIFY_MODEL_PATH: {path} is not a pair model file ({e})") from e
