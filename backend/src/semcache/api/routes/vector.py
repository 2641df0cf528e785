"""/vector/*: plain vector search over a separate index, for arbitrary content (per tenant)."""

from __future__ import annotations

from fastapi import APIRouter, status

from semcache.api.deps import EmbedderDep, PrincipalDep, VectorsDep, VectorStoreDep
from semcache.cache.semantic import embed_keys
from semcache.intake import client_vector
from semcache.schemas.cache import (
    VectorAddRequest,
    VectorAddResponse,
    VectorHit,
    VectorSearchRequest,
    VectorSearchResponse,
)

__all__ = ["router"]

router = APIRouter(prefix="/vector", tags=["vector"])


@router.post("/add", status_code=status.HTTP_201_CREATED, response_model=VectorAddResponse)
async def add(body: VectorAddRequest, principal: PrincipalDep, vectors: VectorsDep) -> VectorAddResponse:
    scope = {"tenant": principal.tenant}
    # Texts are stored in the entry's prompt field; adding the same text again updates its metadata.
    entry = await vectors.put(body.text, "", scope, ttl=None, metadata=body.metadata)
    return VectorAddResponse(id=entry.id, created_at=entry.created_at)


@router.post("/search", response_model=VectorSearchResponse)
async def search(
    body: VectorSearchRequest, principal: PrincipalDep, embedder: EmbedderDep, store: VectorStoreDep
) -> VectorSearchResponse:
    if body.embedding is not None:
        vector = client_vector(body.embedding, embedder.dims)
    else:
        # Not through the gate: an embedder failure reports itself, a Redis one is the search's to report.
        vector = (await embed_keys(embedder, [body.text or ""]))[0]
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
