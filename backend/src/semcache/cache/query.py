"""Pure query building for RediSearch: TAG encoding and escaping, scope filters, KNN search args.

No user text ever reaches a query string raw. Scope values are first *encoded* (plain identifiers kept,
anything else replaced by a digest) and then *escaped*; the encoding alone already makes injection
impossible, the escaping keeps plain values such as `gpt-4o` readable in Redis and correct in queries.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Literal

__all__ = [
    "BATCHES_MIN_DOCS",
    "BATCHES_MIN_SHARE",
    "DISTANCE_ALIAS",
    "EMPTY_TAG",
    "MAX_QUERY_WORDS",
    "MAX_TAGS",
    "SORTS",
    "TAG_PATTERN",
    "VECTOR_FIELD",
    "HybridPolicy",
    "browse_args",
    "check_tags",
    "count_args",
    "describe_query",
    "encode_tag",
    "entries_filter",
    "escape_tag",
    "hybrid_policy",
    "ids_args",
    "knn_query",
    "knn_search_args",
    "scope_filter",
    "scope_search_args",
    "text_clause",
    "with_min_created",
]

_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
_NEEDS_ESCAPE = re.compile(r"[^A-Za-z0-9]")
#: Stored for a scope field the request leaves empty; plain values never start with "_", so no clash.
EMPTY_TAG = "_"

VECTOR_FIELD = "embedding"
DISTANCE_ALIAS = "distance"

HybridPolicy = Literal["BATCHES"]
#: A scope this small is searched as fast by brute force over its own entries: RediSearch's choice stands.
BATCHES_MIN_DOCS = 1_000
#: From this share of the index up, HNSW's first batch (about k / share nearest entries) holds the top k.
BATCHES_MIN_SHARE = 0.1


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


def hybrid_policy(scope_docs: int, index_docs: int) -> HybridPolicy | None:
    """HNSW in batches when the scope is most of the index; otherwise (None) RediSearch decides.

    With a filter, RediSearch either walks HNSW in batches, keeping what passes the filter, or computes
    the distance to every entry the filter matches (ADHOC_BF). Its own choice is a decision tree over
    index size and filter share, and between ~2k and ~30k entries it picks brute force even when the
    scope is the whole index: FT.PROFILE at 10k showed all 10,000 entries read through the five-TAG
    intersection, 1.9 ms per search against 0.38 ms in batches (one batch, 9 filter checks), which made
    10k slower than 100k (docs/benchmarks.md). Forcing batches on a small scope is worse the other way
    (100 entries of 100k: 6.3 ms against 0.2), so batches are only forced where the share is large.
    """
    if index_docs <= 0 or scope_docs < BATCHES_MIN_DOCS:
        return None
    return "BATCHES" if scope_docs / index_docs >= BATCHES_MIN_SHARE else None


def knn_query(filter_expr: str, *, policy: HybridPolicy | None = None) -> str:
    hybrid = f" HYBRID_POLICY {policy}" if policy is not None and filter_expr != "*" else ""
    return f"{filter_expr}=>[KNN $K @{VECTOR_FIELD} $BLOB{hybrid} EF_RUNTIME $EF AS {DISTANCE_ALIAS}]"


def count_args(index: str, filter_expr: str) -> list[str | int]:
    """Arguments for `FT.SEARCH` that count the entries a filter matches (the reply is just the total)."""
    return ["FT.SEARCH", index, filter_expr, "LIMIT", 0, 0, "DIALECT", 2]


def knn_search_args(
    index: str,
    filter_expr: str,
    blob: bytes,
    *,
    k: int,
    ef_runtime: int,
    return_fields: Sequence[str],
    policy: HybridPolicy | None = None,
) -> list[str | int | bytes]:
    """Arguments for `FT.SEARCH`: top-k nearest within the filter, sorted by distance."""
    fields = [*return_fields, DISTANCE_ALIAS]
    return [
        "FT.SEARCH",
        index,
        knn_query(filter_expr, policy=policy),
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


def scope_search_args(
    index: str,
    scope_expr: str,
    blob: bytes,
    *,
    k: int,
    ef_runtime: int,
    return_fields: Sequence[str],
    min_created_at: float | None = None,
    policy: HybridPolicy | None = None,
) -> list[str | int | bytes]:
    """`knn_search_args` for a scope, optionally only entries created after `min_created_at`. `policy` is the
    one the scope's last count picked; it is dropped under an age limit, which can shrink the scope to a
    sliver that batches handle badly: RediSearch decides then."""
    return knn_search_args(
        index,
        with_min_created(scope_expr, min_created_at),
        blob,
        k=k,
        ef_runtime=ef_runtime,
        return_fields=return_fields,
        policy=policy if min_created_at is None else None,
    )


def describe_query(
    index: str, filter_expr: str, *, k: int, ef_runtime: int, policy: HybridPolicy | None = None
) -> dict[str, object]:
    """The query as shown to people (UI hover, cache_document events): everything but the vector."""
    return {
        "command": "FT.SEARCH",
        "index": index,
        "query": knn_query(filter_expr, policy=policy),
        "params": {"K": k, "EF": max(ef_runtime, k), "BLOB": "<float32 vector>"},
        "sortby": DISTANCE_ALIAS,
        "dialect": 2,
    }


# --- browsing and invalidation (GET /cache/entries, DELETE /cache/clear) -------------------------------

#: What a tag may be: free-form labels, but plain ones, so they are stored and queried as written. Anything
#: else is refused at the edge (422) rather than encoded: a tag is something people type and read back.
TAG_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/@-]{0,63}$")
MAX_TAGS = 16
_WORD = re.compile(r"\w+")
MAX_QUERY_WORDS = 8


def check_tags(tags: Sequence[str]) -> tuple[str, ...]:
    """Validated, de-duplicated tags in their given order; ValueError names the first bad one."""
    for tag in tags:
        if not TAG_PATTERN.fullmatch(tag):
            raise ValueError(
                f"tag {tag[:80]!r}: 1-64 of letters, digits and _ . : / @ - (starting with a letter or digit)"
            )
    unique = tuple(dict.fromkeys(tags))
    if len(unique) > MAX_TAGS:
        raise ValueError(f"at most {MAX_TAGS} tags per entry")
    return unique


def text_clause(text: str) -> str:
    """A full-text clause over prompts from what a person typed: its words, escaped, all required; the last
    one also matches as a prefix (a search box is usually mid-word). No query syntax gets through."""
    words = _WORD.findall(text)[:MAX_QUERY_WORDS]
    if not words:
        return ""
    # Word characters (letters of any script, digits, _) are never query syntax and are what RediSearch's
    # tokenizer keeps inside a term, so a word needs no escaping (escaping a non-ASCII letter would even
    # stop it matching); everything else never reaches the query.
    terms = [w[:64] for w in words]
    if len(words[-1]) >= 2:
        terms[-1] += "*"
    return "@prompt:(" + " ".join(terms) + ")"


def entries_filter(
    *,
    scope: Mapping[str, str],
    tags: Sequence[str] = (),
    text: str = "",
    created_after: float | None = None,
    created_before: float | None = None,
) -> str:
    """An FT filter for browsing and bulk deletes: only the given scope fields (unlike `scope_filter`, where a
    missing value matches missing), every given tag, a created_at window and a text query."""
    parts = [f"@{name}:{{{escape_tag(encode_tag(value))}}}" for name, value in scope.items()]
    parts += [f"@tags:{{{escape_tag(tag)}}}" for tag in check_tags(tags)]
    if created_after is not None or created_before is not None:
        low = f"({created_after:.6f}" if created_after is not None else "-inf"
        high = f"({created_before:.6f}" if created_before is not None else "+inf"
        parts.append(f"@created_at:[{low} {high}]")
    clause = text_clause(text)
    if clause:
        parts.append(clause)
    return "(" + " ".join(parts) + ")" if parts else "*"


#: Sort keys of GET /cache/entries -> (field, direction). `hits` is not in the index (a hit would re-index
#: the entry's vector), so that sort loads the field from each matching HASH: fine for an operator's page.
SORTS: dict[str, tuple[str, str]] = {
    "-created_at": ("created_at", "DESC"),
    "created_at": ("created_at", "ASC"),
    "-hits": ("hits", "DESC"),
    "hits": ("hits", "ASC"),
}


def browse_args(
    index: str, filter_expr: str, *, sort: str, offset: int, limit: int, fields: Sequence[str]
) -> list[str | int]:
    """`FT.AGGREGATE` for one page of entries: sorted (ties by key, so pages never overlap), then the
    fields loaded for that page only."""
    field, direction = SORTS[sort]
    head: list[str | int] = ["FT.AGGREGATE", index, filter_expr, "LOAD", 1, "@__key"]
    head += ["LOAD", 1, f"@{field}"]  # every entry is stored with hits (0 at first)
    return [
        *head,
        "SORTBY",
        4,
        f"@{field}",
        direction,
        "@__key",
        "ASC",
        "LIMIT",
        offset,
        limit,
        "LOAD",
        len(fields),
        *[f"@{f}" for f in fields],
        "DIALECT",
        2,
    ]


def ids_args(index: str, filter_expr: str, *, batch: int) -> list[str | int]:
    """`FT.SEARCH ... NOCONTENT`: the keys matching a filter, a batch at a time (bulk deletes)."""
    return ["FT.SEARCH", index, filter_expr, "NOCONTENT", "LIMIT", 0, batch, "DIALECT", 2]
