"""/cache/feedback: a client's verdict on a served hit tightens that entry's own threshold."""

from __future__ import annotations

from fastapi import APIRouter

from semcache.api.deps import PrincipalDep, StoreDep
from semcache.errors import NotFoundError
from semcache.schemas.feedback import FeedbackRequest, FeedbackResponse
from semcache.verify.feedback import record

__all__ = ["router"]

router = APIRouter(prefix="/cache", tags=["cache"])


@router.post("/feedback", response_model=FeedbackResponse)
async def feedback(body: FeedbackRequest, principal: PrincipalDep, store: StoreDep) -> FeedbackResponse:
    entry = await store.get(body.id)
    # Another tenant's entry is reported as missing: ids must not reveal what others have cached.
    if entry is None or entry.scope.get("tenant") != principal.tenant:
        raise NotFoundError(f"no entry {body.id}")
    verdict = await record(store, body.id, correct=body.correct, similarity=body.similarity)
    if verdict is None:  # expired between the read and the write
        raise NotFoundError(f"no entry {body.id}")
    return FeedbackResponse(id=body.id, right=verdict.right, wrong=verdict.wrong, min_similarity=verdict.bar)
