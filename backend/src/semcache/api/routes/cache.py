"""/cache/*: store, search, stats, clear, delete."""

from __future__ import annotations

import time

from fastapi import APIRouter, Query, status

from semcache import intake
from semcache.api.deps import AdminDep, CacheDep, EmbedderDep, IntakeDep, PrincipalDep, SettingsDep, StoreDep
from semcache.cache.models import Candidate, Entry
from semcache.cache.query import check_tags
from semcache.cache.semantic import Lookup
from semcache.errors import InvalidInputError, NotFoundError
from semcache.schemas.cache import (
    CandidateOut,
    ClearResponse,
    EntryOut,
    MatchOut,
    SearchRequest,
    SearchResponse,
    StatsResponse,
    StoreRequest,
    StoreResponse,
)

__all__ = ["router"]

router = APIRouter(prefix="/cache", tags=["cache"])


def valid_tags(tags: list[str]) -> tuple[str, ...]:
    try:
        return check_tags(tags)
    except ValueError as e:
        raise InvalidInputError(str(e)) from e


def entry_out(entry: Entry) -> EntryOut:
    return EntryOut.model_validate(entry, from_attributes=True)


def search_response(lookup: Lookup, elapsed_ms: float) -> SearchResponse:
    def candidate(c: Candidate) -> CandidateOut:
        return CandidateOut(
            id=c.entry.id,
            prompt=c.entry.prompt,
            distance=c.distance,
            similarity=c.similarity,
            within_threshold=c.distance <= lookup.distance_threshold,
        )

    match = None
    if lookup.match is not None and lookup.source is not None:
        m = lookup.match
        match = MatchOut(
            id=m.entry.id,
            prompt=m.entry.prompt,
            response=m.entry.response,
            distance=m.distance,
            similarity=m.similarity,
            source=lookup.source,
            scope=m.entry.scope,
            created_at=m.entry.created_at,
            hits=m.entry.hits,
            metadata=m.entry.metadata,
        )
    return SearchResponse(
        hit=lookup.hit,
        match=match,
        candidates=[candidate(c) for c in lookup.candidates],
        distance_threshold=lookup.distance_threshold,
        similarity_threshold=1.0 - lookup.distance_threshold,
        latency_ms=elapsed_ms,
    )


@router.post("/store", status_code=status.HTTP_201_CREATED, response_model=StoreResponse)
async def store(body: StoreRequest, principal: PrincipalDep, rules: IntakeDep, cache: CacheDep) -> StoreResponse:
    record = intake.store(rules, principal.tenant, body)
    entry = await cache.put(
        body.prompt, body.response, record.scope, ttl=record.controls.ttl, metadata=body.metadata, tags=record.tags
    )
    return StoreResponse(**entry_out(entry).model_dump(), ttl=entry.ttl)


@router.post("/search", response_model=SearchResponse)
async def search(
    body: SearchRequest, principal: PrincipalDep, rules: IntakeDep, cache: CacheDep, embedder: EmbedderDep
) -> SearchResponse:
    started = time.perf_counter()
    record = intake.search(rules, principal.tenant, body)
    vector = None if body.embedding is None else intake.client_vector(body.embedding, embedder.dims)
    lookup = await cache.lookup(
        record.prompt or "",
        record.scope,
        distance_threshold=record.controls.distance_threshold,
        top_k=body.top_k,
        vector=vector,
    )
    return search_response(lookup, (time.perf_counter() - started) * 1000)


@router.get("/stats", response_model=StatsResponse)
async def stats(
    principal: PrincipalDep, settings: SettingsDep, cache: CacheDep, store: StoreDep, embedder: EmbedderDep
) -> StatsResponse:
    await cache.drain()  # counters of requests already answered are written before we read them
    raw = await store.stats()
    hits, misses = int(raw["hits"]), int(raw["misses"])  # type: ignore[call-overload]
    threshold = cache.distance_threshold
    return StatsResponse(
        **raw,
        hit_rate=hits / (hits + misses) if hits + misses else 0.0,
        distance_threshold=threshold,
        similarity_threshold=1.0 - threshold,
        ttl=settings.cache_ttl,
        embedder=embedder.fingerprint,
    )


@router.delete("/clear", response_model=ClearResponse)
async def clear(
    admin: AdminDep,
    store: StoreDep,
    tenant: str | None = Query(default=None, max_length=64),
    namespace: str | None = Query(default=None, max_length=256),
    model: str | None = Query(default=None, max_length=256),
    locale: str | None = Query(default=None, max_length=256),
    pattern: str | None = Query(default=None, max_length=512, description="glob over prompts, e.g. *france*"),
    tag: str | None = Query(default=None, max_length=64, description="entries stored with this tag"),
    older_than: int | None = Query(default=None, ge=0, le=10**9, description="entries older than N seconds"),
) -> ClearResponse:
    """Delete every entry, or those matching the given scope values, tag, age and/or prompt pattern."""
    given = {"tenant": tenant, "namespace": namespace, "model": model, "locale": locale}
    scope = {k: v for k, v in given.items() if v is not None}
    if (tag is not None or older_than is not None) and pattern is None:
        # Through the index: one query per batch instead of a scan of every key.
        tags = valid_tags([tag]) if tag is not None else ()
        deleted = await store.delete_where(scope=scope, tags=tags, older_than_s=older_than)
        return ClearResponse(deleted=deleted)
    if tag is not None or older_than is not None:
        raise InvalidInputError("`pattern` cannot be combined with `tag` or `older_than`")
    deleted = await store.clear(scope=scope or None, pattern=pattern)
    return ClearResponse(deleted=deleted)


@router.delete("/entries/{entry_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_entry(entry_id: str, admin: AdminDep, store: StoreDep) -> None:
    if not entry_id.isalnum() or len(entry_id) > 64:
        raise InvalidInputError("entry ids are up to 64 letters and digits")
    if not await store.delete(entry_id):
        raise NotFoundError(f"no entry {entry_id}")
