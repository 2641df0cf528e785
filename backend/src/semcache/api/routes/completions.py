"""The legacy completions API, `POST /v1/completions`, served through the chat gateway's cache path.

The prompt becomes one user message (semcache/completions.py), so keys, scopes, controls, single flight and
the x-semcache-* headers are the chat gateway's, and entries are shared with /v1/chat/completions; the answer
is framed back as `text_completion` objects (api/framing/completions.py). What has no chat equivalent is a
400 naming the chat route.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from semcache import intake
from semcache.api.deps import IntakeDep, PrincipalDep, ServiceDep
from semcache.api.framing import completions, gateway
from semcache.completions import to_chat
from semcache.schemas.completions import CompletionsRequest

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["openai-compatible"])


@router.post("/completions", response_model=None)
async def create_completion(
    body: CompletionsRequest, principal: PrincipalDep, rules: IntakeDep, service: ServiceDep, request: Request
) -> Response:
    record = intake.chat(rules, principal.tenant, to_chat(body), request.headers)
    answer = await service.chat(record)
    headers = gateway.headers(answer.document)
    if answer.error is not None:
        await answer.close()
        return gateway.error_response(answer.error, headers)
    model = body.model or answer.entry_model or rules.default_model
    if body.stream:
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        stream = completions.stream(answer, model, include_usage)
        return StreamingResponse(stream, media_type="text/event-stream", headers=headers)
    return await completions.collect(answer, model, headers)
