"""OpenAI-compatible gateway: /v1/chat/completions, /v1/models, /v1/embeddings.

Point any OpenAI SDK's base_url here. Answers come from the cache when they can, from the upstream
otherwise, in the same wire format either way; x-semcache-* response headers say which.
"""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from semcache import intake
from semcache.api.deps import EmbedderDep, IntakeDep, LLMDep, PrincipalDep, ServiceDep
from semcache.api.framing import gateway as framing
from semcache.errors import BadRequestError, InvalidInputError, LLMError
from semcache.events import ColumnDone, Delta, GatewayAnswer
from semcache.llm.tokens import count_text
from semcache.result import ErrorInfo
from semcache.schemas.embeddings import (
    EmbeddingItem,
    EmbeddingsRequest,
    EmbeddingsResponse,
    EmbeddingsUsage,
)
from semcache.schemas.openai import ChatRequest
from semcache.service import CompletionService
from semcache.streaming import SSE_DONE, chunk, completion, new_completion_id, sse_data, sse_json, usage_chunk

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["openai-compatible"])


@router.post("/chat/completions", response_model=None)
async def chat_completions(
    body: ChatRequest, principal: PrincipalDep, rules: IntakeDep, service: ServiceDep, request: Request
) -> Response:
    record = intake.chat(rules, principal.tenant, body, request.headers)
    if not record.target.plan.cacheable and not body.stream:
        return await _passthrough(service, body, record.target.plan.reason or "")
    answer = await service.gateway(body, record.target, record.controls)
    headers = framing.headers(answer.document)
    if answer.error is not None:
        await answer.close()
        return framing.error_response(answer.error, headers)
    if body.stream:
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        return StreamingResponse(_sse(answer, body, include_usage), media_type="text/event-stream", headers=headers)
    return await _collect(answer, body, headers)


async def _sse(answer: GatewayAnswer, body: ChatRequest, include_usage: bool) -> AsyncIterator[bytes]:
    cid, model, created = new_completion_id(), body.model or "", int(time.time())
    replay = answer.replayed
    usage_seen = False
    async for event in answer.events():
        if isinstance(event, Delta):
            if event.chunk is not None:  # a live upstream chunk: forward it as the upstream sent it
                if event.chunk.usage is not None:
                    usage_seen = True
                    if not include_usage:
                        continue
                yield sse_data(event.chunk)
            elif replay:
                model = model or answer.entry_model
                yield sse_data(chunk(cid, model, content=event.text, created=created))
        elif isinstance(event, ColumnDone):
            result = event.result
            if result.status == "error":
                err = result.error or ErrorInfo(code="", message="")
                yield sse_json({"error": {"message": err.message, "type": err.code, "code": err.code}})
                return
            if replay:
                yield sse_data(chunk(cid, model, finish_reason="stop", created=created))
            if include_usage and (replay or not usage_seen):
                prompt, completion_tokens = (
                    answer.stored_usage if replay else (result.prompt_tokens, result.completion_tokens)
                )
                yield sse_data(
                    usage_chunk(
                        cid,
                        model or result.model,
                        prompt_tokens=prompt,
                        completion_tokens=completion_tokens,
                        created=created,
                    )
                )
    yield SSE_DONE


async def _collect(answer: GatewayAnswer, body: ChatRequest, headers: dict[str, str]) -> Response:
    parts: list[str] = []
    cid, created, model = new_completion_id(), int(time.time()), body.model or ""
    async for event in answer.events():
        if isinstance(event, Delta):
            parts.append(event.text)
            if event.chunk is not None:
                cid, created, model = event.chunk.id, event.chunk.created, event.chunk.model
        elif isinstance(event, ColumnDone):
            result = event.result
            if result.status == "error":
                return framing.error_response(result.error, headers)
            prompt, completion_tokens = (
                answer.stored_usage if answer.replayed else (result.prompt_tokens, result.completion_tokens)
            )
            reply = completion(
                cid,
                model or result.model,
                "".join(parts),
                finish_reason=result.finish_reason or "stop",
                prompt_tokens=prompt,
                completion_tokens=completion_tokens,
                created=created,
            )
            return JSONResponse(reply.model_dump(exclude_none=True), headers=headers)
    raise LLMError("the cache column ended without a result")


async def _passthrough(service: CompletionService, body: ChatRequest, reason: str) -> Response:
    """Requests we never cache (tools, n > 1, ...) go upstream untouched, answer and all."""
    headers = framing.bypass_headers(reason)
    try:
        result = await service.passthrough(body)
    except LLMError as e:
        return framing.error_response(ErrorInfo.of(e), headers)
    return JSONResponse(result.model_dump(exclude_none=True), headers=headers)


@router.get("/models")
async def models(principal: PrincipalDep, llm: LLMDep) -> dict[str, object]:
    return {"object": "list", "data": [{"id": llm.model, "object": "model", "created": 0, "owned_by": llm.provider}]}


@router.post("/embeddings", response_model=EmbeddingsResponse)
async def embeddings(body: EmbeddingsRequest, principal: PrincipalDep, embedder: EmbedderDep) -> EmbeddingsResponse:
    try:
        texts = body.texts()
    except ValueError as e:
        raise InvalidInputError(str(e)) from e
    if body.dimensions is not None and body.dimensions != embedder.dims:
        raise BadRequestError(
            f"dimensions: this embedder ({embedder.fingerprint}) returns {embedder.dims} dimensions and cannot "
            f"shorten them; leave dimensions out or set {embedder.dims}"
        )
    vectors = await embedder.embed(texts)
    items = []
    for i, v in enumerate(vectors):
        data: list[float] | str = (
            base64.b64encode(np.asarray(v, dtype=np.float32).tobytes()).decode()
            if body.encoding_format == "base64"
            else [float(x) for x in v]
        )
        items.append(EmbeddingItem(index=i, embedding=data))
    tokens = sum(count_text(t) for t in texts)
    return EmbeddingsResponse(
        data=items,
        model=embedder.fingerprint,
        usage=EmbeddingsUsage(prompt_tokens=tokens, total_tokens=tokens),
    )
