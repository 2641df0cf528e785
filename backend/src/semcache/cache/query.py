"""Pure query building for RediSearch: TAG encoding and escaping, scope filters, KNN search args.

No user text ever reaches a query string raw. Scope values are first *encoded* (plain identifiers kept,
anything else replaced by a digest) and then *escaped*; the encoding alone already makes injection
impossible, the escaping keeps plain values such as `gpt-4o` readable in Redis and correct in queries.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence

_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
_NEEDS_ESCAPE = re.compile(r"[^A-Za-z0-9]")
#: Stored for a scope field the request leaves empty; plain values never start with "_", so no clash.
EMPTY_TAG = "_"

VECTOR_FIELD = "embedding"
DISTANCE_ALIAS = "distance"


def encode_tag(raw: str) -> str:
    """A TAG-safe, case-preserving, collision-free stand-in for a scope value."""
    if raw == "":
        return EMPTY_TAG
    if _PLAIN.fullmatch(raw):
        return raw
    return "_" + hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def escape_tag(value: str) -> str:
    """Backslash-escape every character RediSearch's query parser could read as syntax."""
    return _NEEDS_ESCAPE.sub(lambda m: "\\" + m.group(0), value)


def scope_filter(scope: Mapping[str, str], fields: Sequence[str]) -> str:
    """`(@tenant:{a} @model:{b} ...)` over every scope field: a missing value only matches missing."""
    parts = [f"@{name}:{{{escape_tag(encode_tag(scope.get(name, '')))}}}" for name in fields]
    return "(" + " ".join(parts) + ")" if parts else "*"


def with_min_created(filter_expr: str, min_created_at: float | None) -> str:
    if min_created_at is None:
        return filter_expr
    return f"({filter_expr} @created_at:[({min_created_at:.6f} +inf])"


def knn_query(filter_expr: str) -> str:
    return f"{filter_expr}=>[KNN $K @{VECTOR_FIELD} $BLOB EF_RUNTIME $EF AS {DISTANCE_ALIAS}]"


def knn_search_args(
    index: str, filter_expr: str, blob: bytes, *, k: int, ef_runtime: int, return_fields: Sequence[str]
) -> list[str | int | bytes]:
    """Arguments for `FT.SEARCH`: top-k nearest within the filter, sorted by distance."""
    fields = [*return_fields, DISTANCE_ALIAS]
    return [
        "FT.SEARCH",
        index,
        knn_query(filter_expr),
        "PARAMS",
        6,
        "K",
        k,
        "BLOB",
        blob,
        "EF",
        max(ef_runtime, k),
        "SORTBY",
        DISTANCE_ALIAS,
        "ASC",
        "RETURN",
        len(fields),
        *fields,
        "LIMIT",
        0,
        k,
        "DIALECT",
        2,
    ]


def describe_query(index: str, filter_expr: str, *, k: int, ef_runtime: int) -> dict[str, object]:
    """The query as shown to people (UI hover, cache_document events): everything but the vector."""
    return {
        "command": "FT.SEARCH",
        "index": index,
        "query": knn_query(filter_expr),
        "params": {"K": k, "EF": max(ef_runtime, k), "BLOB": "<float32 vector>"},
        "sortby": DISTANCE_ALIAS,
        "dialect": 2,
    }
