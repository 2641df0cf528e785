"""The pure health decisions: the query engine by capability (with the module lists real servers report)
and the one status word /health gives."""

from __future__ import annotations

import pytest

from semcache.health import has_query_engine, memory_full, overall_status

# MODULE LIST names as servers report them: Redis 8 / Redis Stack, Azure Managed Redis / Redis Enterprise.
REDIS_8 = {"search", "ReJSON", "timeseries", "bf", "vectorset"}
AZURE_MANAGED_REDIS = {"searchlight", "ReJSON", "timeseries", "bf"}
PLAIN_REDIS: set[str] = set()


@pytest.mark.parametrize("modules", [REDIS_8, AZURE_MANAGED_REDIS, PLAIN_REDIS, {"ft"}])
def test_ft_list_answering_decides_whatever_the_module_names(modules: set[str]) -> None:
    assert has_query_engine(True, modules) is True
    assert has_query_engine(False, modules) is False


@pytest.mark.parametrize(
    ("modules", "expected"),
    [(REDIS_8, True), (AZURE_MANAGED_REDIS, True), ({"RediSearch"}, True), (PLAIN_REDIS, False), ({"ReJSON"}, False)],
)
def test_module_names_decide_only_when_an_acl_forbids_ft_list(modules: set[str], expected: bool) -> None:
    assert has_query_engine(None, modules) is expected


def test_the_status_word() -> None:
    healthy = {"reachable": True, "loading": False, "query_engine": True, "index_ready": True, "full": False}
    assert overall_status(**healthy) == "ok"
    assert overall_status(**{**healthy, "full": True}) == "full"
    assert overall_status(**{**healthy, "loading": True, "index_ready": False}) == "loading"
    assert overall_status(**{**healthy, "reachable": False, "index_ready": False}) == "down"
    assert overall_status(**{**healthy, "query_engine": False, "index_ready": False}) == "degraded"
    assert overall_status(**{**healthy, "index_ready": False}) == "degraded"


def test_memory_is_full_only_at_the_limit_with_noeviction() -> None:
    assert memory_full({"used_bytes": 100, "max_bytes": 100, "policy": "noeviction"})
    assert not memory_full({"used_bytes": 99, "max_bytes": 100, "policy": "noeviction"})
    assert not memory_full({"used_bytes": 100, "max_bytes": 100, "policy": "allkeys-lru"})  # evicts instead
    assert not memory_full({"used_bytes": 10**9, "max_bytes": 0, "policy": "noeviction"})  # no limit
