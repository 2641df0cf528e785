"""The legacy completions API, `POST /v1/completions`, served through the chat gateway's cache path.

The prompt becomes one user message (semcache/completions.py), so keys, scopes, controls, single flight and
the x-semcache-* headers are the chat gateway's, and entries are shared with /v1/chat/completions; the answer
is framed back as `text_completion` objects. What has no chat equivalent is a 400 naming the chat route.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from semcache import intake
from semcache.api.deps import IntakeDep, PrincipalDep, ServiceDep
from semcache.api.framing import gateway as framing
from semcache.completions import new_completion_id, text_completion, to_chat
from semcache.errors import LLMError
from semcache.events import ColumnDone, Delta, GatewayAnswer
from semcache.result import ErrorInfo
from semcache.schemas.completions import CompletionsRequest
from semcache.streaming import SSE_DONE, sse_json

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["openai-compatible"])


@router.post("/completions", response_model=None)
async def completions(
    body: CompletionsRequest, principal: PrincipalDep, rules: IntakeDep, service: ServiceDep, request: Request
) -> Response:
    chat = to_chat(body)
    record = intake.chat(rules, principal.tenant, chat, request.headers)
    answer = await service.gateway(chat, record.target, record.controls)
    headers = framing.headers(answer.document)
    if answer.error is not None:
        await answer.close()
        return framing.error_response(answer.error, headers)
    model = body.model or answer.entry_model or ""
    if body.stream:
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        return StreamingResponse(_sse(answer, model, include_usage), media_type="text/event-stream", headers=headers)
    return await _collect(answer, model, headers)


def _usage(answer: GatewayAnswer, prompt_tokens: int, completion_tokens: int) -> tuple[int, int]:
    return answer.stored_usage if answer.replayed else (prompt_tokens, completion_tokens)


async def _sse(answer: GatewayAnswer, model: str, include_usage: bool) -> AsyncIterator[bytes]:
    cid, created = new_completion_id(), int(time.time())
    async for event in answer.events():
        if isinstance(event, Delta) and event.text:
            yield sse_json(text_completion(cid, model, event.text, finish_reason=None, created=created))
        elif isinstance(event, ColumnDone):
            result = event.result
            if result.status == "error":
                err = result.error or ErrorInfo.of(LLMError("the LLM failed"))
                yield sse_json({"error": {"message": err.message, "type": err.code, "code": err.code}})
                return
            model = model or result.model
            yield sse_json(text_completion(cid, model, "", finish_reason=result.finish_reason, created=created))
            if include_usage:
                usage = _usage(answer, result.prompt_tokens, result.completion_tokens)
                chunk = text_completion(cid, model, "", finish_reason=None, usage=usage, created=created)
                yield sse_json({**chunk, "choices": []})
    yield SSE_DONE


async def _collect(answer: GatewayAnswer, model: str, headers: dict[str, str]) -> Response:
    parts: list[str] = []
    async for event in answer.events():
        if isinstance(event, Delta):
            parts.append(event.text)
        elif isinstance(event, ColumnDone):
            result = event.result
            if result.status == "error":
                return framing.error_response(result.error, headers)
            usage = _usage(answer, result.prompt_tokens, result.completion_tokens)
            body = text_completion(
                new_completion_id(),
                model or result.model,
                "".join(parts),
                finish_reason=result.finish_reason,
                usage=usage,
            )
            return JSONResponse(body, headers=headers)
    raise LLMError("the cache column ended without a result")
