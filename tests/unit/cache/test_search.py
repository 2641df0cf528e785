"""The per-scope memory of the KNN hybrid policy (cache/search.py's PolicyMemory): pure, no sockets."""

from __future__ import annotations

from semcache.cache.query import BATCHES_MIN_DOCS
from semcache.cache.search import SCOPE_COUNT_TTL_S, PolicyMemory

INFO_10K = [b"index_name", b"i", b"num_docs", b"10000"]


def test_an_unknown_scope_is_counted_and_searched_with_redisearchs_choice() -> None:
    assert PolicyMemory().known("(@tenant:{a})", now=0.0) == (None, True)


def test_a_count_is_trusted_until_it_goes_stale() -> None:
    memory = PolicyMemory()
    memory.remember("big", INFO_10K, [9_000], now=100.0)
    memory.remember("small", INFO_10K, [BATCHES_MIN_DOCS - 1], now=100.0)
    assert memory.known("big", now=100.0) == ("BATCHES", False)
    assert memory.known("small", now=100.0) == (None, False)
    assert memory.known("big", now=100.0 + SCOPE_COUNT_TTL_S) == ("BATCHES", True)


def test_an_unexpected_reply_leaves_the_choice_to_redisearch() -> None:
    memory = PolicyMemory()
    memory.remember("a", [b"num_docs", b"not a number"], [9_000], now=0.0)
    memory.remember("b", INFO_10K, [], now=0.0)
    memory.remember("c", INFO_10K, None, now=0.0)
    assert [memory.known(s, now=0.0) for s in "abc"] == [(None, False)] * 3


def test_past_its_size_the_memory_starts_over() -> None:
    memory = PolicyMemory(max_scopes=2)
    memory.remember("a", INFO_10K, [9_000], now=0.0)
    memory.remember("b", INFO_10K, [9_000], now=0.0)
    memory.remember("c", INFO_10K, [9_000], now=0.0)
    assert memory.known("a", now=0.0) == (None, True) and memory.known("c", now=0.0) == ("BATCHES", False)
