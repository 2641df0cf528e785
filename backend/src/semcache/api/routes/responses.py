"""OpenAI Responses API: `POST /v1/responses`, streaming and not, through the same cache flow as chat.

A request is translated to the chat request it means (semcache/responses.py) and answered by the service's
cache column, so keys, scopes, controls (Cache-Control, x-semcache-*), single flight and response headers are
the chat gateway's; entries are shared with /v1/chat/completions. Requests that cannot be keyed faithfully
(tools, previous_response_id, non-text items) go to the upstream's own /responses untouched (BYPASS).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from semcache import intake
from semcache.api.deps import IntakeDep, PrincipalDep, ServiceDep
from semcache.api.errors import error_body, upstream_error_body
from semcache.api.framing import gateway, responses
from semcache.errors import LLMError
from semcache.result import ErrorInfo
from semcache.schemas.responses import ResponsesRequest
from semcache.service import CompletionService

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["openai-compatible"])


@router.post("/responses", response_model=None)
async def create_response(
    body: ResponsesRequest, principal: PrincipalDep, rules: IntakeDep, service: ServiceDep, request: Request
) -> Response:
    record = intake.responses(rules, principal.tenant, body, request.headers)
    if record.forward:
        return await _forward(service, body, record.target.plan.reason or "not cacheable")
    answer = await service.chat(record)
    headers = gateway.headers(answer.document)
    if answer.error is not None:
        await answer.close()
        return gateway.error_response(answer.error, headers)
    model = body.model or answer.entry_model or rules.default_model
    if body.stream:
        writer = responses.EventWriter(body, model=model)
        return StreamingResponse(responses.stream(answer, writer), media_type="text/event-stream", headers=headers)
    return await responses.collect(answer, body, model, headers)


# --- requests we do not cache: the upstream's own /responses, as sent ----------------------------------


async def _forward(service: CompletionService, body: ResponsesRequest, reason: str) -> Response:
    headers = gateway.bypass_headers(reason)
    try:
        relayed = await service.relay_responses(body.model_dump(exclude_none=True), stream=bool(body.stream))
    except LLMError as e:
        return gateway.error_response(ErrorInfo.of(e), headers)
    if relayed is None:
        return JSONResponse(error_body("llm_error", "no upstream LLM is configured"), 503, headers=headers)
    if relayed.stream is None and relayed.status_code >= 400:
        # The upstream's own error, in OpenAI's shape (llama.cpp's server has no /responses at all).
        what = (
            "the upstream LLM has no /responses endpoint" if relayed.status_code == 404 else "the upstream LLM failed"
        )
        wrapped = upstream_error_body(relayed.status_code, relayed.content, what=what)
        return JSONResponse(wrapped, relayed.status_code, headers=headers)
    if relayed.stream is None:
        return Response(relayed.content, relayed.status_code, headers=headers, media_type="application/json")
    return StreamingResponse(relayed.stream, media_type="text/event-stream", headers=headers)
