"""OpenAI-compatible gateway: /v1/chat/completions, /v1/models, /v1/embeddings.

Point any OpenAI SDK's base_url here. Answers come from the cache when they can, from the upstream
otherwise, in the same wire format either way; x-semcache-* response headers say which.
"""

from __future__ import annotations

import base64

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from semcache import intake
from semcache.api.deps import EmbedderDep, IntakeDep, LLMDep, PrincipalDep, ServiceDep
from semcache.api.framing import chat, gateway
from semcache.errors import BadRequestError, InvalidInputError, LLMError
from semcache.intake import CacheRequest
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

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["openai-compatible"])


@router.post("/chat/completions", response_model=None)
async def chat_completions(
    body: ChatRequest, principal: PrincipalDep, rules: IntakeDep, service: ServiceDep, request: Request
) -> Response:
    record = intake.chat(rules, principal.tenant, body, request.headers)
    if record.forward:
        return await _passthrough(service, record)
    answer = await service.chat(record)
    headers = gateway.headers(answer.document)
    if answer.error is not None:
        await answer.close()
        return gateway.error_response(answer.error, headers)
    if body.stream:
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        stream = chat.stream(answer, body, include_usage)
        return StreamingResponse(stream, media_type="text/event-stream", headers=headers)
    return await chat.collect(answer, body, headers)


async def _passthrough(service: CompletionService, record: CacheRequest) -> Response:
    """Requests we never cache (tools, n > 1, ...) go upstream untouched, answer and all."""
    headers = gateway.bypass_headers(record.target.plan.reason or "")
    try:
        result = await service.passthrough(record)
    except LLMError as e:
        return gateway.error_response(ErrorInfo.of(e), headers)
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
