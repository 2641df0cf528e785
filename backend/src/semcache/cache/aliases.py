"""Aliases: more prompts for one entry's answer, each a vector of its own that points at the entry.

An audit that confirms a hit, or a miss whose fresh answer the judge finds equal to the refused candidate's,
shows that the entry's answer is right for that query's prompt too (verify/audit.py). The prompt is then kept
as an *alias* of the entry: a later paraphrase near the alias but far from the entry's own prompt finds the
entry through it, and is served the answer an audit checked (after the verifier, which compares the query
with the alias prompt, and the entry's own bound, which holds every verdict on the entry).

Representation: one HASH per alias under a prefix and index of their own (`{kind}-alias`, the same schema),
so browsing, export, counting and deleting entries never see them: the alias prompt and text, its vector,
the scope TAGs (searched under the same scope filter as entries: an alias never crosses a scope), `of` (the
entry id), `of_created` (the entry's created_at when the alias was made) and `gen`. An alias lives no longer
than its entry (its TTL is the entry's TTL left), and is served only while its entry exists, is the same
store of it (an overwrite is a new answer no audit checked) and of its namespace's current generation:
deleting, overwriting or invalidating an entry disables its aliases at once. At most `cap` per entry, counted
in the entry's own HASH (`aliases`), so a popular entry cannot grow its reach without bound.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from semcache.cache.codec import RETURN_FIELDS, as_blob, decode_entry, number, pairs, text
from semcache.cache.keyspace import Keyspace, unavailable_on
from semcache.cache.models import Candidate
from semcache.cache.query import DISTANCE_ALIAS, encode_tag
from semcache.cache.schema import IndexSpec
from semcache.embeddings.base import Vector

__all__ = ["ALIAS_FIELDS", "AliasPointer", "Aliases", "alias_fields", "alias_spec", "merge", "pointers", "resolve"]

#: What a KNN over the alias index returns of each alias.
ALIAS_FIELDS = ("prompt", "of", "of_created", "gen")

# Claim one of an entry's alias places: only on an entry that exists (HINCRBY on a missing key would create a
# TTL-less orphan) and has places left. Returns the entry's created_at, generation and TTL left (ms), or nil.
_CLAIM = """
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
local n = tonumber(redis.call('HGET', KEYS[1], 'aliases') or '0') or 0
if n >= tonumber(ARGV[1]) then return nil end
redis.call('HINCRBY', KEYS[1], 'aliases', 1)
return {redis.call('HGET', KEYS[1], 'created_at'), redis.call('HGET', KEYS[1], 'gen') or '0',
        redis.call('PTTL', KEYS[1])}
"""


def alias_spec(spec: IndexSpec) -> IndexSpec:
    """The alias index beside an entry index: same schema and scope fields, a prefix and name of its own."""
    return replace(spec, kind=f"{spec.kind}-alias")


@dataclass(frozen=True)
class AliasPointer:
    prompt: str
    entry_id: str
    of_created: str
    distance: float


def alias_fields(
    prompt: str, text_: str, vector: Vector, scope: Mapping[str, str], *, entry_id: str, of_created: str,
    generation: str, created_at: float, scope_fields: Sequence[str],
) -> dict[str | bytes, str | bytes | float | int]:  # fmt: skip
    """The HASH an alias is stored as (pure)."""
    mapping: dict[str | bytes, str | bytes | float | int] = {
        "prompt": prompt,
        "text": text_,
        "embedding": as_blob(vector),
        "scope_json": json.dumps(dict(scope), sort_keys=True),
        "of": entry_id,
        "of_created": of_created,
        "gen": generation,
        "created_at": created_at,
        "tags": "",
    }
    for name in scope_fields:
        mapping[name] = encode_tag(scope.get(name, ""))
    return mapping


def pointers(raw: Sequence[Any], generation: int, within: float) -> list[AliasPointer]:
    """The aliases of an FT.SEARCH KNN reply at most `within` away and of the current generation (pure)."""
    out = []
    for i in range(1, len(raw) - 1, 2):
        fields = pairs(raw[i + 1])
        if "of" not in fields or number(fields.get("gen")) < generation:
            continue  # expired between the KNN and the load, or invalidated
        distance = float(text(fields[DISTANCE_ALIAS]))
        if distance <= within:
            out.append(AliasPointer(text(fields.get("prompt")), text(fields["of"]), text(fields.get("of_created")),
                                    distance))  # fmt: skip
    return out


def resolve(
    found: Sequence[AliasPointer], rows: Sequence[Sequence[object]], generation: int, min_created_at: float | None
) -> list[Candidate]:
    """Each alias as a candidate of its entry (`rows`: the entries' RETURN_FIELDS), if that entry still is the
    one the alias was made for: present, not overwritten, current, and young enough (pure)."""
    out = []
    for pointer, values in zip(found, rows, strict=True):
        fields = dict(zip(RETURN_FIELDS, values, strict=True))
        if fields["response"] is None or text(fields["created_at"]) != pointer.of_created:
            continue
        entry = decode_entry(pointer.entry_id, fields)
        if entry.generation < generation or (min_created_at is not None and entry.created_at <= min_created_at):
            continue
        out.append(Candidate(entry, pointer.distance, via=pointer.prompt))
    return out


def merge(entries: Sequence[Candidate], aliased: Sequence[Candidate], k: int) -> list[Candidate]:
    """Nearest first, one candidate per entry (its nearest vector), at most k (pure). At equal distance the
    alias goes first: the same vector as the miss's own fresh entry, but an answer a verdict confirmed."""
    ranked = sorted([*entries, *aliased], key=lambda c: (c.distance, c.via is None))
    seen: set[str] = set()
    out = []
    for candidate in ranked:
        if candidate.entry.id not in seen:
            seen.add(candidate.entry.id)
            out.append(candidate)
    return out[:k]


class Aliases:
    """Writes aliases and reads the entries the nearest ones point at."""

    def __init__(self, entries: Keyspace, aliases: Keyspace, *, cap: int) -> None:
        self._entries = entries
        self._aliases = aliases
        self.cap = cap

    @property
    def spec(self) -> IndexSpec:
        return self._aliases.spec

    async def add(self, entry_id: str, prompt: str, text_: str, vector: Vector, scope: Mapping[str, str],
                  *, alias_id: str) -> bool:  # fmt: skip
        """Keep `prompt` as an alias of the entry; False when it already is one, the entry is gone or full."""
        key = self._aliases.spec.entry_key(alias_id)
        client = self._entries.client
        with unavailable_on("alias write failed"):
            if await client.exists(key):
                return False
            claimed = await client.eval(_CLAIM, 1, self._entries.spec.entry_key(entry_id), self.cap)
            if claimed is None:
                return False
            created, generation, ttl_ms = text(claimed[0]), text(claimed[1]), int(claimed[2])
            mapping = alias_fields(prompt, text_, vector, scope, entry_id=entry_id, of_created=created,
                                   generation=generation, created_at=float(created or 0.0),
                                   scope_fields=self._aliases.spec.scope_fields)  # fmt: skip
            async with client.pipeline(transaction=True) as pipe:
                pipe.hset(key, mapping=mapping)  # type: ignore[arg-type]  # redis-py's Mapping is invariant
                if ttl_ms > 0:
                    pipe.pexpire(key, ttl_ms)
                await pipe.execute()
        return True

    async def entries_of(
        self, found: Sequence[AliasPointer], generation: int, min_created_at: float | None
    ) -> list[Candidate]:
        """The entries behind the aliases found, as candidates at the aliases' distances: one round trip."""
        if not found:
            return []
        async with self._entries.client.pipeline(transaction=False) as pipe:
            for pointer in found:
                pipe.hmget(self._entries.spec.entry_key(pointer.entry_id), list(RETURN_FIELDS))
            rows = await pipe.execute()
        return resolve(found, rows, generation, min_created_at)
