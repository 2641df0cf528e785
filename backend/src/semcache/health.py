"""Pure health decisions: whether Redis runs the query engine, and the one status word /health reports."""

from __future__ import annotations

from typing import Literal

__all__ = ["has_query_engine", "memory_full", "overall_status"]

Status = Literal["ok", "degraded", "loading", "full", "down"]

#: Names the RediSearch module goes by in MODULE LIST: Redis 8 / Redis Stack (`search`), Redis Enterprise and
#: Azure Managed Redis (`searchlight`, `ft`), older builds (`redisearch`). Used only when FT._LIST may not run.
SEARCH_MODULE_NAMES = frozenset({"search", "searchlight", "ft", "redisearch"})


def has_query_engine(ft_list: bool | None, modules: set[str]) -> bool:
    """FT._LIST answering decides (True/False); when an ACL forbids it (None), the module list does."""
    if ft_list is not None:
        return ft_list
    return bool({m.lower() for m in modules} & SEARCH_MODULE_NAMES)


def overall_status(*, reachable: bool, loading: bool, query_engine: bool, index_ready: bool, full: bool) -> Status:
    """down: Redis does not answer; loading: it replays its data or builds the index; degraded: it answers
    but the cache cannot be used (no query engine, index error); full: it refuses writes; ok otherwise."""
    if loading:
        return "loading"
    if not reachable:
        return "down"
    if not query_engine or not index_ready:
        return "degraded"
    return "full" if full else "ok"


def memory_full(memory: dict[str, int | str]) -> bool:
    """Redis at its maxmemory with noeviction: the next write is refused (OOM command not allowed)."""
    limit, used = int(memory.get("max_bytes", 0)), int(memory.get("used_bytes", 0))
    return limit > 0 and str(memory.get("policy", "")) == "noeviction" and used >= limit
