"""OpenAI Responses API: `POST /v1/responses`, streaming and not, through the same cache flow as chat.

A request is translated to the chat request it means (semcache/responses.py) and answered by the service's
cache column, so keys, scopes, controls (Cache-Control, x-semcache-*), single flight and response headers are
the chat gateway's; entries are shared with /v1/chat/completions. Requests that cannot be keyed faithfully
(tools, previous_response_id, non-text items) go to the upstream's own /responses untouched (BYPASS).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from semcache import intake
from semcache.api.deps import IntakeDep, PrincipalDep, ServiceDep
from semcache.api.errors import error_body, upstream_error_body
from semcache.api.framing import gateway as framing
from semcache.errors import LLMError
from semcache.events import ColumnDone, Delta, GatewayAnswer
from semcache.responses import EventWriter, Usage, new_ids, response_object
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
    if record.chat is None:
        return await _forward(service, body, record.target.plan.reason or "not cacheable")
    answer = await service.gateway(record.chat, record.target, record.controls)
    headers = framing.headers(answer.document)
    if answer.error is not None:
        await answer.close()
        return framing.error_response(answer.error, headers)
    model = body.model or answer.entry_model or rules.default_model
    if body.stream:
        writer = EventWriter(body, model=model)
        return StreamingResponse(_sse(answer, writer), media_type="text/event-stream", headers=headers)
    return await _collect(answer, body, model, headers)


def _usage(answer: GatewayAnswer, prompt_tokens: int, completion_tokens: int) -> Usage:
    # A hit reports the stored answer's tokens, as on the chat gateway (its header says none were billed).
    return Usage(*answer.stored_usage) if answer.replayed else Usage(prompt_tokens, completion_tokens)


async def _sse(answer: GatewayAnswer, writer: EventWriter) -> AsyncIterator[bytes]:
    yield writer.start()
    async for event in answer.events():
        if isinstance(event, Delta) and event.text:
            yield writer.delta(event.text)
        elif isinstance(event, ColumnDone):
            result = event.result
            if result.status == "error":
                err = result.error or ErrorInfo.of(LLMError("the LLM failed"))
                yield writer.fail(err.code, err.message)
                return
            usage = _usage(answer, result.prompt_tokens, result.completion_tokens)
            yield writer.finish(finish_reason=result.finish_reason or "stop", usage=usage)


async def _collect(answer: GatewayAnswer, body: ResponsesRequest, model: str, headers: dict[str, str]) -> Response:
    parts: list[str] = []
    started = time.time()
    async for event in answer.events():
        if isinstance(event, Delta):
            parts.append(event.text)
        elif isinstance(event, ColumnDone):
            result = event.result
            if result.status == "error":
                return framing.error_response(result.error, headers)
            usage = _usage(answer, result.prompt_tokens, result.completion_tokens)
            reply = response_object(
                body,
                ids=new_ids(),
                model=model,
                created_at=started,
                text="".join(parts),
                finish_reason=result.finish_reason or "stop",
                usage=usage,
            )
            return JSONResponse(reply, headers=headers)
    raise LLMError("the cache column ended without a result")


# --- requests we do not cache: the upstream's own /responses, as sent ----------------------------------


async def _forward(service: CompletionService, body: ResponsesRequest, reason: str) -> Response:
    headers = framing.bypass_headers(reason)
    try:
        relayed = await service.relay_responses(body.model_dump(exclude_none=True), stream=bool(body.stream))
    except LLMError as e:
        return framing.error_response(ErrorInfo.of(e), headers)
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
