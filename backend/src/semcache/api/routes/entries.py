"""/cache/entries and /cache/generations: see what is cached, probe an entry, forget a namespace at once.

Tenants see and probe their own entries; the admin sees every tenant's (and may filter by one). Another
tenant's entry is reported as missing, never as forbidden: ids must not reveal what others have cached.
"""

from __future__ import annotations

import time
from typing import Annotated

import numpy as np
from fastapi import APIRouter, Path, Query

from semcache.api.deps import CacheDep, IntakeDep, PrincipalDep, StoreDep
from semcache.auth import Principal
from semcache.cache.models import Candidate, Entry
from semcache.cache.query import entries_filter
from semcache.cache.redis import RedisStore
from semcache.embeddings.base import Vector
from semcache.errors import BadRequestError, ForbiddenError, InvalidInputError, NotFoundError
from semcache.intake import check_prompt
from semcache.paging import CursorError, decode_cursor, encode_cursor, query_digest
from semcache.schemas.common import ScopeValue
from semcache.schemas.entries import (
    EntryDetail,
    EntryPage,
    EntryRow,
    FeedbackCounts,
    GenerationRequest,
    GenerationResponse,
    ProbeRequest,
    ProbeResponse,
    Sort,
)
from semcache.verify.feedback import read as read_feedback

__all__ = ["router"]

router = APIRouter(prefix="/cache", tags=["entries"])
EntryId = Annotated[str, Path(pattern=r"^[A-Za-z0-9]{1,64}$", description="the entry's id")]
PREVIEW = 200


def _row(entry: Entry, ttl_s: int | None, now: float, current_generation: int = 0) -> EntryRow:
    return EntryRow(
        id=entry.id,
        prompt=entry.prompt,
        response_preview=entry.response[:PREVIEW],
        response_chars=len(entry.response),
        scope=entry.scope,
        tags=list(entry.tags),
        hits=entry.hits,
        created_at=entry.created_at,
        age_s=max(0.0, now - entry.created_at),
        ttl_s=ttl_s,
        last_hit_at=entry.last_hit_at,
        last_similarity=entry.last_similarity,
        stale=entry.generation < current_generation,
    )


def _tenant_filter(principal: Principal, tenant: str | None) -> str | None:
    """The tenant a listing is limited to: the caller's own, or for the admin the one asked for (or all)."""
    if principal.is_admin:
        return tenant
    if tenant is not None and tenant != principal.tenant:
        raise ForbiddenError("only the admin key may list another tenant's entries")
    return principal.tenant


async def _visible(store: RedisStore, principal: Principal, entry_id: str) -> Entry:
    entry = await store.get(entry_id)
    if entry is None or (not principal.is_admin and entry.scope.get("tenant") != principal.tenant):
        raise NotFoundError(f"no entry {entry_id}")
    return entry


@router.get("/entries", response_model=EntryPage)
async def list_entries(
    principal: PrincipalDep,
    store: StoreDep,
    namespace: Annotated[ScopeValue | None, Query()] = None,
    model: Annotated[ScopeValue | None, Query()] = None,
    locale: Annotated[ScopeValue | None, Query()] = None,
    tenant: Annotated[ScopeValue | None, Query(description="admin only")] = None,
    tag: Annotated[list[str], Query(max_length=16, description="entries carrying every given tag")] = [],  # noqa: B006  # FastAPI copies Query defaults
    q: Annotated[str, Query(max_length=200, description="words of the prompt (the last one as a prefix)")] = "",
    created_after: Annotated[float | None, Query(ge=0, le=1e11, description="Unix seconds")] = None,
    created_before: Annotated[float | None, Query(ge=0, le=1e11, description="Unix seconds")] = None,
    sort: Annotated[Sort, Query(description="-created_at (newest first), created_at, -hits, hits")] = "-created_at",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> EntryPage:
    scope = {"tenant": _tenant_filter(principal, tenant), "namespace": namespace, "model": model, "locale": locale}
    given = {k: v for k, v in scope.items() if v is not None}
    try:
        filter_expr = entries_filter(
            scope=given, tags=tag, text=q, created_after=created_after, created_before=created_before
        )
    except ValueError as e:
        raise InvalidInputError(str(e)) from e
    owner = "*admin" if principal.is_admin else principal.tenant
    digest = query_digest({"filter": filter_expr, "sort": sort, "limit": limit})
    try:
        offset = decode_cursor(cursor, tenant=owner, digest=digest) if cursor else 0
    except CursorError as e:
        raise BadRequestError(str(e)) from e
    total, page = await store.browse(filter_expr, sort=sort, offset=offset, limit=limit)
    current = await store.generations([entry.scope for entry, _ in page])
    now = time.time()
    following = offset + limit
    more = following < total and len(page) > 0
    return EntryPage(
        entries=[_row(entry, ttl, now, gen) for (entry, ttl), gen in zip(page, current, strict=True)],
        total=total,
        next_cursor=encode_cursor(tenant=owner, digest=digest, offset=following) if more else None,
    )


@router.get("/entries/{entry_id}", response_model=EntryDetail)
async def get_entry(principal: PrincipalDep, store: StoreDep, entry_id: EntryId) -> EntryDetail:
    entry = await _visible(store, principal, entry_id)
    ttl_s = await store.ttl_left(entry_id)
    current = await store.generation(entry.scope)
    verdicts = read_feedback(entry.metadata)
    row = _row(entry, ttl_s, time.time(), current)
    return EntryDetail(
        **row.model_dump(),
        response=entry.response,
        ttl=entry.ttl,
        prompt_tokens=entry.prompt_tokens,
        completion_tokens=entry.completion_tokens,
        metadata=entry.metadata,
        feedback=FeedbackCounts(right=verdicts.right, wrong=verdicts.wrong, min_similarity=verdicts.bar),
        generation=entry.generation,
        current_generation=current,
    )


def _probe_base(vector: Vector, stored: Vector | None, threshold: float) -> ProbeResponse:
    """The probe's answer before the lookup: how near the query is to this entry, and nothing served yet."""
    similarity = float(np.dot(vector, stored)) if stored is not None and len(stored) == len(vector) else 0.0
    return ProbeResponse(
        would_hit=False,
        source=None,
        similarity=similarity,
        similarity_threshold=1.0 - threshold,
        within_threshold=1.0 - similarity <= threshold,
        served_id=None,
        served_similarity=None,
        reason="",
    )


def _exact_verdict(base: ProbeResponse, served_id: str, entry_id: str) -> ProbeResponse:
    why = "the same prompt after normalisation: the exact path serves it"
    if served_id != entry_id:
        why = "the exact path serves another entry with this prompt"
    update = {"would_hit": served_id == entry_id, "source": "exact", "served_id": served_id, "reason": why}
    return base.model_copy(update={**update, "served_similarity": 1.0})


def _semantic_reason(
    base: ProbeResponse, entry_id: str, match: Candidate | None, candidates: list[Candidate], rejected: int
) -> str:
    if match is not None and match.entry.id == entry_id:
        return "a semantic hit on this entry"
    if match is not None:
        return "another entry in the same scope is nearer and would be served instead"
    if not base.within_threshold:
        return "below the similarity threshold"
    if all(c.entry.id != entry_id for c in candidates):
        return "not among the nearest candidates of its scope (or of an older generation: no longer served)"
    return f"within the threshold, but the verifier rejected it ({rejected} candidate(s) rejected)"


def _semantic_verdict(
    base: ProbeResponse, entry_id: str, match: Candidate | None, candidates: list[Candidate], rejected: int
) -> ProbeResponse:
    served_id = match.entry.id if match is not None else None
    return base.model_copy(
        update={
            "would_hit": served_id == entry_id,
            "source": "semantic" if served_id == entry_id else None,
            "served_id": served_id,
            "served_similarity": match.similarity if match is not None else None,
            "reason": _semantic_reason(base, entry_id, match, candidates, rejected),
        }
    )


@router.post("/entries/{entry_id}/probe", response_model=ProbeResponse)
async def probe_entry(
    body: ProbeRequest,
    principal: PrincipalDep,
    rules: IntakeDep,
    cache: CacheDep,
    store: StoreDep,
    entry_id: EntryId,
) -> ProbeResponse:
    """What would a request with this prompt, in this entry's scope, be served? Nothing is counted or stored."""
    check_prompt(rules, body.prompt)
    entry = await _visible(store, principal, entry_id)
    found = await cache.probe(body.prompt, entry.scope)
    vector = found.vector if found.vector is not None else await cache.embed(body.prompt)
    base = _probe_base(vector, await store.embedding(entry_id), found.distance_threshold)
    if found.source == "exact" and found.match is not None:
        return _exact_verdict(base, found.match.entry.id, entry_id)
    return _semantic_verdict(base, entry_id, found.match, found.candidates, found.rejected_by_verifier)


@router.post("/generations", response_model=GenerationResponse)
async def bump_generation(body: GenerationRequest, principal: PrincipalDep, store: StoreDep) -> GenerationResponse:
    """Forget a namespace at once: its entries stop matching now and age out by their TTL. O(1)."""
    tenant = principal.tenant
    if body.tenant is not None and body.tenant != principal.tenant:
        if not principal.is_admin:
            raise ForbiddenError("only the admin key may bump another tenant's namespace")
        tenant = body.tenant
    scope = {"tenant": tenant, "namespace": body.namespace}
    generation = await store.bump_generation(scope)
    return GenerationResponse(tenant=tenant, namespace=body.namespace, generation=generation)
