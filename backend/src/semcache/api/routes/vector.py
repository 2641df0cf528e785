"""/vector/*: plain vector search over a separate index, for arbitrary content (per tenant)."""

from __future__ import annotations

from fastapi import APIRouter, status

from semcache.api.deps import PrincipalDep, ResourcesDep
from semcache.api.routes.cache import client_vector
from semcache.schemas.cache import (
    VectorAddRequest,
    VectorAddResponse,
    VectorHit,
    VectorSearchRequest,
    VectorSearchResponse,
)

router = APIRouter(prefix="/vector", tags=["vector"])


@router.post("/add", status_code=status.HTTP_201_CREATED, response_model=VectorAddResponse)
async def add(body: VectorAddRequest, principal: PrincipalDep, resources: ResourcesDep) -> VectorAddResponse:
    scope = {"tenant": principal.tenant}
    # Texts are stored in the entry's prompt field; adding the same text again updates its metadata.
    entry = await resources.available_vectors.put(body.text, "", scope, ttl=None, metadata=body.metadata)
    return VectorAddResponse(id=entry.id, created_at=entry.created_at)


@router.post("/search", response_model=VectorSearchResponse)
async def search(body: VectorSearchRequest, principal: PrincipalDep, resources: ResourcesDep) -> VectorSearchResponse:
    vectors = resources.vectors
    if body.embedding is not None:
        vector = client_vector(body.embedding, resources.embedder.dims)
    else:
        vector = await vectors.embed(body.text or "")
    store = resources.gate.guarded(vectors.store)
    candidates = await store.search(vector, {"tenant": principal.tenant}, k=body.top_k)
    max_distance = 1.0 - body.threshold if body.threshold is not None else 2.0
    return VectorSearchResponse(
        results=[
            VectorHit(
                id=c.entry.id,
                text=c.entry.prompt,
                metadata=c.entry.metadata,
                distance=c.distance,
                similarity=c.similarity,
            )
            for c in candidates
            if c.distance <= max_distance
        ]
    )
