"""Pure translation between cache records and what Redis stores and replies: no I/O.

The store's Redis modules only send commands; what a reply means (an Entry, a page of candidates, an index's
attributes) and what a write holds (an entry's HASH fields) is decided here, and unit-tested without sockets.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from semcache.cache.models import Candidate, Entry, NewEntry
from semcache.cache.query import DISTANCE_ALIAS, encode_tag
from semcache.embeddings.base import Vector

__all__ = [
    "RETURN_FIELDS",
    "as_blob",
    "as_vector",
    "capped_ttl",
    "decode_entry",
    "entry_fields",
    "generation_field",
    "index_attributes",
    "json_object",
    "matches",
    "module_names",
    "number",
    "opt_float",
    "pairs",
    "search_candidates",
    "stored_entry",
    "text",
    "ttl_or_none",
]

#: The HASH fields an Entry is read from (every read and search returns these, the vector aside).
RETURN_FIELDS = (
    "prompt",
    "text",
    "response",
    "scope_json",
    "created_at",
    "hits",
    "prompt_tokens",
    "completion_tokens",
    "metadata",
    "tags",
    "gen",
    "ttl",
    "last_hit_at",
    "last_similarity",
)


def text(value: object) -> str:
    """A reply value as text: bytes decoded, None as ""."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def number(value: object) -> int:
    """An integer reply or field; missing or empty counts as 0 (a generation, a counter)."""
    return int(text(value) or 0)


def opt_float(value: object) -> float | None:
    raw = text(value)
    return float(raw) if raw else None


def ttl_or_none(ttl: Any) -> int | None:
    """A TTL reply as seconds left, or None for a key without expiry (-1) or a missing one (-2)."""
    seconds = int(ttl)
    return seconds if seconds >= 0 else None


def decode_entry(entry_id: str, fields: Mapping[str, object]) -> Entry:
    tags = text(fields.get("tags"))
    ttl = text(fields.get("ttl"))
    return Entry(
        id=entry_id,
        prompt=text(fields.get("prompt")),
        text=text(fields.get("text")),
        response=text(fields.get("response")),
        scope=json.loads(text(fields.get("scope_json")) or "{}"),
        created_at=float(text(fields.get("created_at")) or 0.0),
        hits=number(fields.get("hits")),
        prompt_tokens=number(fields.get("prompt_tokens")),
        completion_tokens=number(fields.get("completion_tokens")),
        metadata=json.loads(text(fields.get("metadata")) or "{}"),
        tags=tuple(tags.split(",")) if tags else (),
        generation=number(fields.get("gen")),
        ttl=int(ttl) if ttl and ttl != "0" else None,
        last_hit_at=opt_float(fields.get("last_hit_at")),
        last_similarity=opt_float(fields.get("last_similarity")),
    )


def generation_field(scope: Mapping[str, str]) -> str:
    """The field of a (tenant, namespace) in the generations HASH; a unit separator occurs in neither."""
    return f"{scope.get('tenant', '')}\x1f{scope.get('namespace', '')}"


def pairs(flat: Any) -> dict[str, object]:
    """A RESP2 flat list of name/value pairs as a dict (redis-py already parses some replies to dicts)."""
    if isinstance(flat, dict):
        return {text(k): v for k, v in flat.items()}
    return {text(flat[i]): flat[i + 1] for i in range(0, len(flat) - 1, 2)}


def module_names(raw: list[Any]) -> set[str]:
    """Names from MODULE LIST, whichever shape the client parsed it into."""
    names: set[str] = set()
    for module in raw:
        fields = pairs(module)  # keys decoded, whether the client gave a dict or a flat list
        names.add(text(fields.get("name")))
    return names


def index_attributes(info: Any) -> set[str]:
    """The attribute names of an index, from its FT.INFO reply."""
    attrs = pairs(info).get("attributes", [])
    names: set[str] = set()
    for attr in attrs if isinstance(attrs, list) else []:
        fields = pairs(attr)
        names.add(text(fields.get("attribute") or fields.get("identifier")))
    return names


def search_candidates(raw: Sequence[Any], key_prefix: str, generation: int) -> list[Candidate]:
    """An FT.SEARCH KNN reply as candidates, nearest first, without those of an older generation."""
    candidates = []
    for i in range(1, len(raw) - 1, 2):
        key, fields = text(raw[i]), pairs(raw[i + 1])
        # A key can expire between the KNN and the field load; it then comes back without fields.
        if "response" not in fields or number(fields.get("gen")) < generation:
            continue
        entry = decode_entry(key.removeprefix(key_prefix), fields)
        candidates.append(Candidate(entry, float(text(fields[DISTANCE_ALIAS]))))
    return candidates


def capped_ttl(ttl: int | None, ttl_max: int | None) -> int | None:
    """The TTL an entry is stored with: CACHE_TTL_MAX is the longest any entry lives, sliding or not."""
    if ttl_max is None:
        return ttl
    return min(ttl, ttl_max) if ttl else ttl_max


def as_blob(vector: Vector) -> bytes:
    """A vector as the index stores it (FLOAT32 bytes)."""
    return np.asarray(vector, dtype=np.float32).tobytes()


def as_vector(blob: object) -> Vector | None:
    return np.frombuffer(blob, dtype=np.float32) if isinstance(blob, bytes) else None


def entry_fields(
    new: NewEntry,
    vector: Vector,
    *,
    created_at: float,
    generation: int,
    ttl: int | None,
    scope_fields: Sequence[str],
) -> dict[str | bytes, str | bytes | float | int]:
    """The HASH an entry is stored as: its record, its vector, and each scope field as an encoded TAG."""
    mapping: dict[str | bytes, str | bytes | float | int] = {
        "prompt": new.prompt,
        "text": new.text,
        "response": new.response,
        "embedding": as_blob(vector),
        "scope_json": json.dumps(new.scope, sort_keys=True),
        "created_at": created_at,
        "hits": 0,
        "prompt_tokens": new.prompt_tokens,
        "completion_tokens": new.completion_tokens,
        "metadata": json.dumps(new.metadata),
        "tags": ",".join(new.tags),
        "gen": generation,
        "ttl": ttl or 0,
    }
    for name in scope_fields:
        mapping[name] = encode_tag(new.scope.get(name, ""))
    return mapping


def stored_entry(entry_id: str, new: NewEntry, *, created_at: float, generation: int, ttl: int | None) -> Entry:
    """The Entry `entry_fields` stores, as a read would return it (without a second round trip)."""
    return Entry(
        entry_id,
        new.prompt,
        new.text,
        new.response,
        dict(new.scope),
        created_at,
        0,
        new.prompt_tokens,
        new.completion_tokens,
        dict(new.metadata),
        tags=new.tags,
        generation=generation,
        ttl=ttl or None,
    )


def matches(fields: Sequence[Any], scope: Mapping[str, str] | None, pattern: str | None) -> bool:
    """Whether an entry's (scope_json, prompt) is in `scope` (exact match on the given fields) and its prompt
    matches the glob `pattern` (case-insensitive); None for either matches everything."""
    scope_json, prompt = text(fields[0]), text(fields[1])
    if scope:
        stored = json.loads(scope_json or "{}")
        if any(stored.get(k, "") != v for k, v in scope.items()):
            return False
    return not pattern or fnmatch.fnmatch(prompt.casefold(), pattern.casefold())


def json_object(raw: object) -> dict[str, object]:
    """A JSON object from a script's reply; anything else as {} (read defensively, as stored metadata is)."""
    value = json.loads(text(raw))
    return value if isinstance(value, dict) else {}
