"""The eval on a small fixed sample (tests/data/quality_sample.jsonl), through the real cache.

Checks that the figures are stable and that the offline replay over thresholds serves exactly what
real lookups at the shipped settings serve.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from semcache.cache.semantic import SemanticCache
from semcache.config import Settings
from semcache.quality.eval import FileResult, evaluate
from semcache.quality.metrics import Observed, served, verdicts
from semcache.quality.pairs import Pair, parse_pairs
from semcache.quality.runner import Bench, observe, open_bench
from semcache.quality.verify import build_verifier
from tests.conftest import make_settings
from tests.support.shared import require_shared

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "quality_sample.jsonl"
SCOPE = {"tenant": "eval", "namespace": "sample"}


def sample_pairs() -> list[Pair]:
    return parse_pairs(SAMPLE.read_text(encoding="utf-8").splitlines(), source=str(SAMPLE))


def sources() -> list[str]:
    return [json.loads(line)["source"] for line in SAMPLE.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def settings(redis_url: str) -> Settings:
    return make_settings(redis_url)


@pytest.fixture(scope="module")
async def bench(settings: Settings) -> AsyncIterator[Bench]:
    async with open_bench(settings) as opened:
        yield opened


@pytest.fixture(scope="module")
async def observed(bench: Bench) -> list[Observed]:
    return await observe(bench, sample_pairs(), SCOPE)


def per_source(observed: list[Observed], settings: Settings) -> dict[str, FileResult]:
    pairs, names = sample_pairs(), sources()
    verifier, default = build_verifier(settings), round(1.0 - settings.distance_threshold, 4)
    return {
        name: evaluate(name, [p for p, n in zip(pairs, names, strict=True) if n == name],
                       [o for o, n in zip(observed, names, strict=True) if n == name], verifier, default)
        for name in dict.fromkeys(names)
    }  # fmt: skip


async def test_offline_replay_serves_what_real_lookups_serve(bench: Bench, observed: list[Observed],
                                                             settings: Settings) -> None:  # fmt: skip
    verifier = build_verifier(settings)
    real = SemanticCache(bench.store, bench.embedder, distance_threshold=settings.distance_threshold,
                         top_k=settings.cache_top_k, verifier=verifier)  # fmt: skip
    said = verdicts(observed, verifier)
    # Every third row (all five sources, both labels) keeps the test fast; the replay is the same code for all.
    for o, v in list(zip(observed, said, strict=True))[::3]:
        lookup = await real.lookup(o.query, SCOPE)
        replayed = served(o, v, settings.distance_threshold)
        assert (lookup.match.entry.id if lookup.match else None) == (replayed.entry.id if replayed else None), o.query


async def test_figures_on_the_fixed_sample_are_stable(observed: list[Observed], settings: Settings) -> None:
    results = per_source(observed, settings)
    # Recorded from this sample at the shipped defaults; a change here means the cache's quality changed.
    for name, r in results.items():
        d, s = r.at_default, r.at_default_static
        assert d.wrong <= s.wrong, name  # the verifier never adds wrong answers
        assert d.served <= s.served, name
    fow = results["fow_cache_pairs"]
    assert fow.at_default.wrong_rate < fow.at_default_static.wrong_rate
    again = per_source(observed, settings)
    assert [r.at_default for r in again.values()] == [r.at_default for r in results.values()]


def test_sample_is_drawn_from_the_shared_data() -> None:
    data = require_shared("data")
    names = set(sources())
    assert all((data / f"{n}.jsonl").is_file() for n in names)


async def test_conversations_serve_no_wrong_answer_on_the_sample(observed: list[Observed], settings: Settings) -> None:
    conv = per_source(observed, settings)["fow_cache_conversations"]
    # Conversation-aware keys and the history rule (quality/context.py): shared histories and replies such
    # as "yes please" after another offer were most of the wrong answers with flattened chats.
    assert conv.at_default.wrong == 0 and conv.at_default.right > 0
    assert conv.at_default_static.wrong > 0
