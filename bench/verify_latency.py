"""What the second stage costs on a semantic hit: `python -m bench.verify_latency` (no Redis, no model run).

Times the verifier the shipped settings build on (query, cached prompt) pairs with time.perf_counter
over many calls, against the guards alone, with the tokenizer's per-prompt cache cleared before each
call (the worst case: neither prompt split before). Exact hits and clear misses never reach it
(`cache.semantic.choose` stops at the threshold), so they pay nothing. The figure goes in docs/quality.md.
"""

from __future__ import annotations

import statistics
import time

from semcache.cache.models import Candidate, Entry
from semcache.config import Settings
from semcache.verify.guards import split
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


def measure(settings: Settings) -> tuple[float, float]:
    verify = build_verifier(settings)
    assert verify is not None
    samples = []
    for i in range(CALLS):
        stored, query = PAIRS[i % len(PAIRS)]
        c = Candidate(Entry("e", stored, stored.lower(), "answer", {}, 0.0), 0.04)
        split.cache_clear()
        t0 = time.perf_counter()
        verify(query, c, [c])
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.99 * len(samples))]


def main() -> None:
    for name, settings in (("guards only", Settings(CACHE_VERIFY_MODEL=False)), ("shipped (model)", Settings())):
        p50, p99 = measure(settings)
        print(f"{name:16s} p50 {p50 * 1000:.0f} us  p99 {p99 * 1000:.0f} us  ({CALLS} calls)")


if __name__ == "__main__":
    main()
