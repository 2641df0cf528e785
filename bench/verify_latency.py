"""What the second stage costs on a semantic hit: `python -m bench.verify_latency` (no Redis, no model run).

Times the verifier the shipped settings build on (query, cached prompt) pairs (`quality/latency.py`),
against the guards alone and with CACHE_MAX_ERROR. `semcache eval` measures the same on its own rows
for docs/quality.md.
"""

from __future__ import annotations

from semcache.cache.models import Candidate, Entry
from semcache.calibration.latency import verifier_latency
from semcache.config import Settings
from semcache.verify.verifier import build_verifier

PAIRS = [
    ("What is the capital of France?", "Which city serves as France's capital?"),
    ("How do I reset my password?", "I forgot my password, how can I reset it?"),
    ("Cancel my subscription", "Do not cancel my subscription"),
    ("Convert 100 EUR to USD", "Convert 100 USD to EUR"),
    ("Flights from London to Paris in May", "Flights from London to Paris in June"),
    ("How long does the refund take to reach my card after I return an item?", "When will my refund show up?"),
]
CALLS = 20_000
OBS = [[0.95, 1], [0.93, 1], [0.97, 1], [0.9, 0]]


def measure(settings: Settings) -> tuple[float, float]:
    verify = build_verifier(settings)
    assert verify is not None
    # An entry with a few reports, so the error bound reads and weighs its observations too.
    meta: dict[str, object] = {"_feedback": {"right": 3, "wrong": 1, "bar": 0.9, "obs": OBS}}
    pairs = [(q, Candidate(Entry("e", s, s.lower(), "answer", {}, 0.0, metadata=meta), 0.04)) for s, q in PAIRS]
    return verifier_latency(verify, pairs, CALLS)


def main() -> None:
    runs = (
        ("guards only", Settings(CACHE_VERIFY_MODEL=False, CACHE_VERIFY_GUARDS="negation,swap,direction")),
        ("shipped (model)", Settings()),
        ("CACHE_MAX_ERROR", Settings(CACHE_MAX_ERROR=0.1)),
    )
    for name, settings in runs:
        p50, p99 = measure(settings)
        print(f"{name:16s} p50 {p50 * 1000:.0f} us  p99 {p99 * 1000:.0f} us  ({CALLS} calls)")


if __name__ == "__main__":
    main()
