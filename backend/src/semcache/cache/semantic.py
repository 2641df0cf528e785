"""SemanticCache: exact fast path, then one KNN search under the scope filter, then the threshold.

This is the cache as a library: the HTTP routes, the completion service, `semcache eval` and the
benchmarks all call it, so there is one lookup path to measure and trust.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from semcache.cache.availability import Gateable, gated
from semcache.cache.models import Candidate, Entry, NewEntry
from semcache.cache.query import describe_query, scope_filter, with_min_created
from semcache.cache.redis import RedisStore
from semcache.embeddings.base import Embedder, Vector
from semcache.errors import CacheUnavailableError
from semcache.normalize import entry_id, normalize_text, split_turns
from semcache.verify.context import is_conversation

__all__ = [
    "CONTEXT_WEIGHT",
    "Lookup",
    "Read",
    "SemanticCache",
    "Verifier",
    "choose",
    "combine",
    "embed_keys",
    "read_nearest",
    "tighten",
]

Source = Literal["exact", "semantic"]
#: A second opinion on a candidate that passed the threshold: (query prompt, candidate) -> serve it?
Verifier = Callable[[str, Candidate, list[Candidate]], bool]
#: The second stage's model: (query prompt, cached prompt) -> its logit. Awaited before the verifier runs.
Read = Callable[[str, str], Awaitable[float]]

log = logging.getLogger(__name__)


@dataclass
class Lookup:
    hit: bool
    source: Source | None
    match: Candidate | None
    candidates: list[Candidate]
    distance_threshold: float
    vector: Vector | None = None
    query: dict[str, object] = field(default_factory=dict)
    embed_ms: float = 0.0
    search_ms: float = 0.0
    rejected_by_verifier: int = 0


#: Weight of the earlier turns in a conversation's vector (the last user turn weighs 1). Small, so the
#: question decides what is near and the history only orders prompts that ask the same thing; whether the
#: history fits is the verifier's call (verify/context.py). At 0.5 and above the history moved true
#: repeats below the threshold on fow_cache_conversations (docs/quality.md).
CONTEXT_WEIGHT = 0.3


def combine(question: Vector, context: Vector, weight: float = CONTEXT_WEIGHT) -> Vector:
    mixed = question + np.float32(weight) * context
    return (mixed / np.float32(np.linalg.norm(mixed))).astype(np.float32)


async def embed_keys(embedder: Embedder, texts: list[str]) -> list[Vector]:
    """Key texts -> the vectors the index holds: a single prompt as it is, a multi-turn key as its last
    user turn mixed with its earlier turns (`combine`). One embedder call for the whole batch."""
    parts = [split_turns(t) for t in texts]
    flat: list[str] = []
    for text, split in zip(texts, parts, strict=True):
        flat.extend([split[1], split[0]] if split else [text])
    vectors = await embedder.embed(flat) if flat else []
    out, i = [], 0
    for split in parts:
        if split:
            out.append(combine(vectors[i], vectors[i + 1]))
            i += 2
        else:
            out.append(vectors[i])
            i += 1
    return out


def tighten(server_distance: float, requested: float | None) -> float:
    """A request may only make the threshold stricter, never looser."""
    return server_distance if requested is None else min(server_distance, requested)


def choose(
    prompt: str, candidates: list[Candidate], threshold: float, verifier: Verifier | None
) -> tuple[Candidate | None, int]:
    """The first candidate (nearest first) within the threshold that the verifier accepts, and how many
    it rejected. Pure, and shared with `semcache eval`, which replays it offline over many thresholds:
    one function means the curves measure exactly what a lookup serves."""
    rejected = 0
    for candidate in candidates:
        if candidate.distance > threshold:
            break
        if verifier is not None and not verifier(prompt, candidate, candidates):
            rejected += 1
            continue
        return candidate, rejected
    return None, rejected


async def read_nearest(read: Read, prompt: str, candidates: list[Candidate], threshold: float) -> list[Candidate]:
    """The candidates, the nearest one read by the second stage when it is within the threshold (the
    verifier serves the nearest or nothing). A conversation key is left to the conversation rule. If the
    reader fails, the candidate stays unread, and a verifier that needs the reading refuses it: a miss,
    never an unchecked hit."""
    if not candidates or candidates[0].distance > threshold or is_conversation(prompt):
        return candidates
    nearest = candidates[0]
    if is_conversation(nearest.prompt):
        return candidates
    try:
        logit = await read(prompt, nearest.prompt)
    except Exception as e:  # onnxruntime raises its own types; any failure is a miss, never a hit
        log.warning("second stage failed, candidate refused: %s: %s", type(e).__name__, e)
        return candidates
    return [replace(nearest, reader=logit), *candidates[1:]]


def _same_key(candidates: list[Candidate], key: str) -> Candidate | None:
    """The candidate stored under exactly this key (same normalized text, same scope), as a distance-0 match."""
    return next((Candidate(c.entry, 0.0) for c in candidates if c.entry.id == key), None)


class SemanticCache(Gateable):
    def __init__(
        self,
        store: RedisStore,
        embedder: Embedder,
        *,
        distance_threshold: float,
        top_k: int = 3,
        verifier: Verifier | None = None,
        reader: Read | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.distance_threshold = distance_threshold
        self.top_k = top_k
        self.verifier = verifier
        self.reader = reader
        self._counting: set[asyncio.Task[None]] = set()

    def _count(self, entry_id: str | None, similarity: float = 1.0) -> None:
        """Hit/miss counters off the request's path: they are statistics, and a hit should cost one round
        trip, not two (docs/benchmarks.md). `drain()` waits for them where a reader needs them exact."""
        task = asyncio.get_running_loop().create_task(self._record(entry_id, similarity))
        self._counting.add(task)
        task.add_done_callback(self._counting.discard)

    async def _record(self, entry_id: str | None, similarity: float) -> None:
        try:
            if entry_id is None:
                await self.store.record_miss()
            else:
                await self.store.record_hit(entry_id, similarity)
        except CacheUnavailableError:
            pass  # a lost count is better than a failed or slower answer

    @gated
    async def drain(self) -> None:
        while self._counting:
            await asyncio.gather(*list(self._counting), return_exceptions=True)

    @gated
    async def embed(self, text: str) -> Vector:
        return (await embed_keys(self.embedder, [text]))[0]

    @gated
    async def exact(self, prompt: str, scope: Mapping[str, str], *, max_age_s: float | None = None) -> Entry | None:
        return (await self._exact(prompt, scope, max_age_s))[0]

    async def _exact(self, prompt: str, scope: Mapping[str, str], max_age_s: float | None) -> tuple[Entry | None, int]:
        """(the exact entry, if live and of the current generation; that generation, for the KNN search)."""
        entry, generation = await self.store.get_current(entry_id(normalize_text(prompt), scope), scope)
        if entry is None or (max_age_s is not None and time.time() - entry.created_at > max_age_s):
            return None, generation
        return entry, generation

    @gated
    async def lookup(
        self,
        prompt: str,
        scope: Mapping[str, str],
        *,
        distance_threshold: float | None = None,
        top_k: int | None = None,
        max_age_s: float | None = None,
        use_exact: bool = True,
        vector: Vector | None = None,
        base_threshold: float | None = None,
    ) -> Lookup:
        """What this prompt is served in this scope, counted as a hit (on the entry) or a miss."""
        result = await self.probe(
            prompt,
            scope,
            distance_threshold=distance_threshold,
            top_k=top_k,
            max_age_s=max_age_s,
            use_exact=use_exact,
            vector=vector,
            base_threshold=base_threshold,
        )
        if result.match is not None:
            self._count(result.match.entry.id, result.match.similarity)
        else:
            self._count(None)
        return result

    @gated
    async def probe(
        self,
        prompt: str,
        scope: Mapping[str, str],
        *,
        distance_threshold: float | None = None,
        top_k: int | None = None,
        max_age_s: float | None = None,
        use_exact: bool = True,
        vector: Vector | None = None,
        base_threshold: float | None = None,
    ) -> Lookup:
        """The lookup's decision, counting nothing (no hit, no miss, no last-hit time): what `lookup` would
        serve. The entry probe asks it; `lookup` is this plus the count, so the two cannot drift apart.
        `base_threshold` is the server's own for this scope when it differs (a namespace's learned one,
        verify/learning.py); a request's `distance_threshold` can only tighten it."""
        base = self.distance_threshold if base_threshold is None else base_threshold
        threshold = tighten(base, distance_threshold)
        generation: int | None = None
        if use_exact and vector is None:
            entry, generation = await self._exact(prompt, scope, max_age_s)
            if entry is not None:
                match = Candidate(entry, 0.0)
                return Lookup(True, "exact", match, [match], threshold)
        result = await self._nearest(prompt, scope, threshold, top_k or self.top_k, max_age_s, vector, generation)
        landed = _same_key(result.candidates, entry_id(normalize_text(prompt), scope)) if use_exact else None
        if landed is not None:
            # The entry for this very key landed between the exact read and the search (a repeat sent as
            # its first asker's store completes): the exact path's answer, not a semantic one at 1.0.
            result.hit, result.source, result.match = True, "exact", landed
            return result
        if self.reader is not None:
            result.candidates = await read_nearest(self.reader, prompt, result.candidates, threshold)
        result.match, result.rejected_by_verifier = choose(prompt, result.candidates, threshold, self.verifier)
        if result.match is not None:
            result.hit, result.source = True, "semantic"
        return result

    async def _nearest(
        self,
        prompt: str,
        scope: Mapping[str, str],
        threshold: float,
        k: int,
        max_age_s: float | None,
        vector: Vector | None,
        generation: int | None,
    ) -> Lookup:
        """The semantic step before any decision: the k nearest candidates, timed, with the query shown."""
        t0 = time.perf_counter()
        if vector is None:
            vector = await self.embed(prompt)
        t1 = time.perf_counter()
        min_created = time.time() - max_age_s if max_age_s is not None else None
        candidates = await self.store.search(
            vector, scope, k=k, min_created_at=min_created, generation=generation, alias_within=threshold
        )
        t2 = time.perf_counter()
        spec = self.store.spec
        query = describe_query(
            spec.name,
            with_min_created(scope_filter(scope, spec.scope_fields), min_created),
            k=k,
            ef_runtime=spec.ef_runtime,
        )
        return Lookup(False, None, None, candidates, threshold, vector, query, (t1 - t0) * 1000, (t2 - t1) * 1000)

    @gated
    async def put(
        self,
        prompt: str,
        response: str,
        scope: Mapping[str, str],
        *,
        ttl: int | None,
        vector: Vector | None = None,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        metadata: Mapping[str, object] | None = None,
        tags: tuple[str, ...] = (),
    ) -> Entry:
        text = normalize_text(prompt)
        if vector is None:
            vector = await self.embed(prompt)
        new = NewEntry(
            prompt, text, response, dict(scope), prompt_tokens, completion_tokens, dict(metadata or {}), tags
        )
        return await self.store.put(entry_id(text, scope), new, vector, ttl=ttl)
