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
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from semcache.api.deps import PrincipalDep, ResourcesDep
from semcache.api.errors import error_body
from semcache.api.routes.cache import scope_for
from semcache.controls import parse_controls
from semcache.errors import InvalidInputError, LLMError
from semcache.llm.tokens import count_text
from semcache.normalize import KeyRules, plan_key
from semcache.result import ErrorInfo
from semcache.runtime import Resources
from semcache.schemas.embeddings import (
    EmbeddingItem,
    EmbeddingsRequest,
    EmbeddingsResponse,
    EmbeddingsUsage,
)
from semcache.schemas.openai import ChatRequest
from semcache.service import CacheDocument, CacheTarget, ColumnDone, ColumnEvent, Delta
from semcache.streaming import chunk, completion, new_completion_id, usage_chunk

router = APIRouter(prefix="/v1", tags=["openai-compatible"])

STATUS = {
    "hit-exact": "HIT-EXACT",
    "hit-semantic": "HIT-SEMANTIC",
    "miss": "MISS",
    "bypass": "BYPASS",
    "error": "ERROR",
}


def _target(resources: Resources, tenant: str, request: ChatRequest, namespace: str) -> CacheTarget:
    settings = resources.settings
    rules = KeyRules(
        settings.cache_max_messages,
        settings.cache_ignore_system_messages,
        settings.cache_max_temperature,
        max_chars=settings.max_prompt_chars,
    )
    plan = plan_key(request, rules)
    scope = scope_for(resources, tenant, {"namespace": namespace} if namespace else {})
    scope["model"] = request.model or resources.service.llm.model
    if plan.params:
        scope["params"] = plan.params
    return CacheTarget(plan, scope, tenant)


def _headers(doc: CacheDocument, *, error: bool = False) -> dict[str, str]:
    lookup = doc.lookup
    key = "error" if error else ("bypass" if lookup is None else "miss")
    headers = {}
    if lookup is not None and lookup.hit and lookup.match is not None:
        key = f"hit-{lookup.source}"
        headers["x-semcache-similarity"] = f"{lookup.match.similarity:.4f}"
        headers["x-semcache-entry"] = lookup.match.entry.id
        headers["Age"] = str(max(0, int(time.time() - lookup.match.entry.created_at)))
    headers["x-semcache-status"] = STATUS[key]
    if doc.reason:
        headers["x-semcache-reason"] = doc.reason.encode("ascii", "replace").decode()[:200]
    return headers


def _error_response(error: ErrorInfo | None, headers: dict[str, str]) -> JSONResponse:
    error = error or ErrorInfo.of(LLMError("the LLM failed"))
    headers = {**headers, "x-semcache-status": "ERROR"}
    return JSONResponse(error_body(error.code, error.message), error.http_status, headers=headers)


@router.post("/chat/completions", response_model=None)
async def chat_completions(
    body: ChatRequest, principal: PrincipalDep, resources: ResourcesDep, request: Request
) -> Response:
    try:
        controls, namespace = parse_controls(request.headers)
    except ValueError as e:
        raise InvalidInputError(str(e)) from e
    service = resources.service
    target = _target(resources, principal.tenant, body, namespace)
    if not target.plan.cacheable and not body.stream:
        return await _passthrough(resources, body, target.plan.reason or "")

    async def upstream():  # type: ignore[no-untyped-def]
        return await service.join_flight(target, body)

    events = service.cache_column(body, target, controls, upstream, path="gateway").__aiter__()
    doc = await _until_document(events)
    headers = _headers(doc)
    first = await anext(events)
    if isinstance(first, ColumnDone) and first.result.status == "error":
        return _error_response(first.result.error, headers)
    if body.stream:
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        return StreamingResponse(
            _sse(events, first, body, doc, include_usage), media_type="text/event-stream", headers=headers
        )
    return await _collect(events, first, body, headers)


async def _until_document(events: AsyncIterator[ColumnEvent]) -> CacheDocument:
    async for event in events:
        if isinstance(event, CacheDocument):
            return event
    raise LLMError("the cache column ended before its lookup")


async def _rest(events: AsyncIterator[ColumnEvent], first: ColumnEvent) -> AsyncIterator[ColumnEvent]:
    try:
        yield first
        async for event in events:
            yield event
    finally:
        # Closing the column now (not at garbage collection) cancels the upstream on a client disconnect.
        await events.aclose()  # type: ignore[attr-defined]


async def _sse(
    events: AsyncIterator[ColumnEvent], first: ColumnEvent, body: ChatRequest, doc: CacheDocument, include_usage: bool
) -> AsyncIterator[bytes]:
    cid, model, created = new_completion_id(), body.model or "", int(time.time())
    replay = doc.lookup is not None and doc.lookup.hit
    usage_seen = False
    async for event in _rest(events, first):
        if isinstance(event, Delta):
            if event.chunk is not None:  # a live upstream chunk: forward it as the upstream sent it
                if event.chunk.usage is not None:
                    usage_seen = True
                    if not include_usage:
                        continue
                yield _data(event.chunk)
            elif replay:
                if not model:
                    model = doc.lookup.match.entry.metadata.get("model", "") if doc.lookup and doc.lookup.match else ""  # type: ignore[assignment]
                yield _data(chunk(cid, str(model), content=event.text, created=created))
        elif isinstance(event, ColumnDone):
            result = event.result
            if result.status == "error":
                err = result.error or ErrorInfo(code="", message="")
                yield _json_line({"error": {"message": err.message, "type": err.code, "code": err.code}})
                return
            if replay:
                yield _data(chunk(cid, str(model), finish_reason="stop", created=created))
            if include_usage and (replay or not usage_seen):
                prompt = 0 if replay else result.prompt_tokens
                completion_tokens = 0 if replay else result.completion_tokens
                yield _data(
                    usage_chunk(
                        cid,
                        str(model or result.model),
                        prompt_tokens=prompt,
                        completion_tokens=completion_tokens,
                        created=created,
                    )
                )
    yield b"data: [DONE]\n\n"


def _data(c: ChatCompletionChunk) -> bytes:
    return b"data: " + c.model_dump_json(exclude_unset=True).encode() + b"\n\n"


def _json_line(payload: dict[str, object]) -> bytes:
    import json

    return b"data: " + json.dumps(payload).encode() + b"\n\n"


async def _collect(
    events: AsyncIterator[ColumnEvent], first: ColumnEvent, body: ChatRequest, headers: dict[str, str]
) -> Response:
    parts: list[str] = []
    cid, created, model = new_completion_id(), int(time.time()), body.model or ""
    async for event in _rest(events, first):
        if isinstance(event, Delta):
            parts.append(event.text)
            if event.chunk is not None:
                cid, created, model = event.chunk.id, event.chunk.created, event.chunk.model
        elif isinstance(event, ColumnDone):
            result = event.result
            if result.status == "error":
                return _error_response(result.error, headers)
            hit = result.status == "hit"
            answer = completion(
                cid,
                model or result.model,
                "".join(parts),
                finish_reason=result.finish_reason or "stop",
                prompt_tokens=0 if hit else result.prompt_tokens,
                completion_tokens=0 if hit else result.completion_tokens,
                created=created,
            )
            return JSONResponse(answer.model_dump(exclude_none=True), headers=headers)
    raise LLMError("the cache column ended without a result")


async def _passthrough(resources: Resources, body: ChatRequest, reason: str) -> Response:
    """Requests we never cache (tools, n > 1, ...) go upstream untouched, answer and all."""
    try:
        result: ChatCompletion = await resources.service.llm.complete(resources.service.prepare(body))
    except LLMError as e:
        return _error_response(ErrorInfo.of(e), {"x-semcache-reason": reason})
    return JSONResponse(
        result.model_dump(exclude_none=True), headers={"x-semcache-status": "BYPASS", "x-semcache-reason": reason}
    )


@router.get("/models")
async def models(principal: PrincipalDep, resources: ResourcesDep) -> dict[str, object]:
    llm = resources.service.llm
    return {"object": "list", "data": [{"id": llm.model, "object": "model", "created": 0, "owned_by": llm.provider}]}


@router.post("/embeddings", response_model=EmbeddingsResponse)
async def embeddings(body: EmbeddingsRequest, principal: PrincipalDep, resources: ResourcesDep) -> EmbeddingsResponse:
    try:
        texts = body.texts()
    except ValueError as e:
        raise InvalidInputError(str(e)) from e
    if body.dimensions is not None and body.dimensions != resources.embedder.dims:
        raise InvalidInputError(f"this embedder has {resources.embedder.dims} dimensions")
    vectors = await resources.embedder.embed(texts)
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
        model=resources.embedder.fingerprint,
        usage=EmbeddingsUsage(prompt_tokens=tokens, total_tokens=tokens),
    )
