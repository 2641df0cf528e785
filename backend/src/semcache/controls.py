"""Pure: per-request cache controls from HTTP headers.

Cache-Control: no-cache (skip the lookup, still store), no-store (do not store), max-age=N (only entries
younger than N seconds). x-semcache-ttl: N seconds for the stored entry. x-semcache-threshold: a cosine
similarity that may only tighten the server's threshold. x-semcache-namespace: an extra hard scope.
x-semcache-tags: comma-separated labels stored with the answer (for DELETE /cache/clear?tag=).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from semcache.cache.query import check_tags

__all__ = ["Controls", "parse_controls"]


@dataclass(frozen=True)
class Controls:
    """Per-request cache controls (Cache-Control and x-semcache-* headers, or /ask options)."""

    no_cache: bool = False
    no_store: bool = False
    max_age_s: float | None = None
    ttl: int | None = None
    distance_threshold: float | None = None
    tags: tuple[str, ...] = ()


_NAMESPACE = re.compile(r"^[\w.:@/-]{1,128}$")


def _int(name: str, value: str, *, low: int, high: int) -> int:
    if not value.strip().isdigit() or not low <= int(value) <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}")
    return int(value)


def parse_controls(headers: Mapping[str, str]) -> tuple[Controls, str]:
    """(controls, namespace) from request headers; ValueError names the bad header."""
    no_cache = no_store = False
    max_age: float | None = None
    for directive in headers.get("cache-control", "").split(","):
        name, _, value = directive.strip().lower().partition("=")
        if name == "no-cache":
            no_cache = True
        elif name == "no-store":
            no_store = True
        elif name == "max-age":
            max_age = float(_int("Cache-Control max-age", value, low=0, high=10**9))
    ttl = None
    if "x-semcache-ttl" in headers:
        ttl = _int("x-semcache-ttl", headers["x-semcache-ttl"], low=1, high=31_536_000)
    distance = None
    if "x-semcache-threshold" in headers:
        try:
            similarity = float(headers["x-semcache-threshold"])
        except ValueError:
            similarity = -1.0
        if not 0.0 <= similarity <= 1.0:
            raise ValueError("x-semcache-threshold must be a cosine similarity from 0 to 1")
        distance = 1.0 - similarity
    namespace = headers.get("x-semcache-namespace", "")
    if namespace and not _NAMESPACE.match(namespace):
        raise ValueError("x-semcache-namespace: 1-128 of letters, digits and _ . : @ / -")
    raw_tags = [t.strip() for t in headers.get("x-semcache-tags", "").split(",") if t.strip()]
    try:
        tags = check_tags(raw_tags)
    except ValueError as e:
        raise ValueError(f"x-semcache-tags: {e}") from e
    return Controls(
        no_cache=no_cache, no_store=no_store, max_age_s=max_age, ttl=ttl, distance_threshold=distance, tags=tags
    ), namespace
