"""/cache/feedback: a client's verdict on a served hit tightens that entry's own threshold."""

from __future__ import annotations

import time

from fastapi import APIRouter

from semcache.api.deps import PrincipalDep, StoreDep, TelemetryDep
from semcache.errors import NotFoundError
from semcache.schemas.feedback import FeedbackRequest, FeedbackResponse
from semcache.telemetry.verdicts import Verdict
from semcache.verify.feedback import record

__all__ = ["router"]

router = APIRouter(prefix="/cache", tags=["cache"])


@router.post("/feedback", response_model=FeedbackResponse)
async def feedback(
    body: FeedbackRequest, principal: PrincipalDep, store: StoreDep, telemetry: TelemetryDep
) -> FeedbackResponse:
    entry = await store.get(body.id)
    # Another tenant's entry is reported as missing: ids must not reveal what others have cached.
    if entry is None or entry.scope.get("tenant") != principal.tenant:
        raise NotFoundError(f"no entry {body.id}")
    verdict = await record(store, body.id, correct=body.correct, similarity=body.similarity)
    if verdict is None:  # expired between the read and the write
        raise NotFoundError(f"no entry {body.id}")
    if telemetry.verdicts is not None:  # counted apart from audits: clients choose what they report
        namespace = entry.scope.get("namespace", "")
        report = Verdict("feedback", body.correct, principal.tenant, namespace, time.time(), body.similarity)
        await telemetry.verdicts.record(report)
    return FeedbackResponse(id=body.id, right=verdict.right, wrong=verdict.wrong, min_similarity=verdict.bar)
