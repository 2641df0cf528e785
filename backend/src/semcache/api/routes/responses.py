"""OpenAI Responses API: `POST /v1/responses`, streaming and not, through the same cache flow as chat.

A request is translated to the chat request it means (semcache/responses.py) and answered by the service's
cache column, so keys, scopes, controls (Cache-Control, x-semcache-*), single flight and response headers are
the chat gateway's; entries are shared with /v1/chat/completions. Requests that cannot be keyed faithfully
(tools, previous_response_id, non-text items) go to the upstream's own /responses untouched (BYPASS).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import openai
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from semcache.api.deps import PrincipalDep, ServiceDep
from semcache.api.errors import error_body, upstream_error_body
from semcache.api.routes.openai import _error_response, _headers, _target
from semcache.controls import parse_controls
from semcache.errors import InvalidInputError, LLMError
from semcache.events import ColumnDone, Delta, GatewayAnswer
from semcache.llm.openai import OpenAICompatibleLLM, map_error
from semcache.responses import EventWriter, Usage, new_ids, response_object, to_chat
from semcache.result import ErrorInfo
from semcache.schemas.responses import ResponsesRequest
from semcache.service import CompletionService

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["openai-compatible"])


@router.post("/responses", response_model=None)
async def create_response(
    body: ResponsesRequest, principal: PrincipalDep, service: ServiceDep, request: Request
) -> Response:
    try:
        controls, namespace = parse_controls(request.headers)
    except ValueError as e:
        raise InvalidInputError(str(e)) from e
    translation = to_chat(body)
    if translation.chat is None:
        return await _forward(service, body, translation.reason or "not cacheable")
    chat = translation.chat
    target = _target(service, principal.tenant, chat, namespace)
    answer = await service.gateway(chat, target, controls)
    headers = _headers(answer.document)
    if answer.error is not None:
        await answer.close()
        return _error_response(answer.error, headers)
    model = body.model or answer.entry_model or service.llm.model
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
                return _error_response(result.error, headers)
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
    headers = {"x-semcache-status": "BYPASS", "x-semcache-reason": reason.encode("ascii", "replace").decode()[:200]}
    llm = service.llm
    if not isinstance(llm, OpenAICompatibleLLM):
        return JSONResponse(error_body("llm_error", "no upstream LLM is configured"), 503, headers=headers)
    payload = body.model_dump(exclude_none=True)
    payload["model"] = llm.upstream_model(body.model)
    try:
        if not body.stream:
            raw = await llm.client.responses.with_raw_response.create(extra_body=payload)
            content = await raw.http_response.aread()
            return Response(content, raw.http_response.status_code, headers=headers, media_type="application/json")
        stream = llm.client.responses.with_streaming_response.create(extra_body=payload)
        upstream = await stream.__aenter__()
    except openai.APIStatusError as e:
        # The upstream's own error (in OpenAI's shape): the caller asked for its API.
        what = "the upstream LLM has no /responses endpoint" if e.status_code == 404 else "the upstream LLM failed"
        return JSONResponse(
            upstream_error_body(e.status_code, e.response.content, what=what), e.status_code, headers=headers
        )
    except Exception as e:
        err = map_error(e)
        return _error_response(ErrorInfo.of(err), headers)

    async def relay() -> AsyncIterator[bytes]:
        try:
            async for piece in upstream.http_response.aiter_bytes():
                yield piece
        finally:
            await stream.__aexit__(None, None, None)

    return StreamingResponse(relay(), media_type="text/event-stream", headers=headers)
