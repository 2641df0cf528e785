"""/ask (one JSON answer), /ask/stream (SSE, raw and cache columns in parallel) and /llm/test."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError
from openai.types.chat import ChatCompletion
from pydantic import ValidationError
from sse_starlette import EventSourceResponse

from semcache.api.deps import EmbedderDep, PrincipalDep, ServiceDep
from semcache.api.routes.cache import check_prompt, scope_for
from semcache.config import Settings
from semcache.controls import Controls
from semcache.errors import LLMError
from semcache.events import CacheDocument, CacheTarget, ColumnDone, ColumnEvent, ColumnStart, Delta
from semcache.llm.budget import empty_answer_reason
from semcache.normalize import KeyPlan
from semcache.result import ErrorInfo
from semcache.schemas.ask import (
    AskRequest,
    AskResponse,
    CacheDocumentOut,
    ColumnOut,
    LLMTestResponse,
)
from semcache.schemas.openai import ChatMessage, ChatRequest
from semcache.service import CompletionService
from semcache.streaming import sse

__all__ = ["router"]

router = APIRouter(tags=["ask"])
EMBEDDING_PREVIEW = 8
#: The visible answer /llm/test asks for. A reasoning model gets room for reasoning on top (llm/budget.py);
#: 5 tokens, as this once asked, is what a GPT-5 class model can spend on reasoning alone.
LLM_TEST_MAX_TOKENS = 32


def probe_answer(completion: ChatCompletion) -> tuple[str, ErrorInfo | None]:
    """The answer /llm/test reports, and an error when the model stopped at its limit with no text."""
    choice = completion.choices[0] if completion.choices else None
    text = (choice.message.content or "") if choice is not None else ""
    if choice is None or choice.finish_reason != "length" or text.strip():
        return text, None
    usage = completion.usage
    details = usage.completion_tokens_details if usage is not None else None
    why = empty_answer_reason(
        completion_tokens=usage.completion_tokens if usage is not None else None,
        reasoning_tokens=details.reasoning_tokens if details is not None else None,
    )
    return text, ErrorInfo.of(LLMError(why))


def chat_request(settings: Settings, prompt: str) -> ChatRequest:
    return ChatRequest(
        messages=[
            ChatMessage(role="system", content=settings.llm_system_prompt),
            ChatMessage(role="user", content=prompt),
        ],
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens,
    )


def target_for(service: CompletionService, tenant: str, body: AskRequest) -> CacheTarget:
    """/ask keys on the prompt alone under the server's own system prompt and sampling settings, so its
    entries are the ones /cache/search finds with `scope.model` set to the configured model."""
    check_prompt(service.settings, body.prompt)
    scope = scope_for(service.settings, tenant, body.scope)
    scope.setdefault("model", service.llm.model)
    return CacheTarget(KeyPlan(body.prompt), scope, tenant)


def controls_for(body: AskRequest) -> Controls:
    return Controls(
        no_cache=body.no_cache, no_store=body.no_store, ttl=body.ttl, distance_threshold=body.requested_distance()
    )


def document_out(dims: int, doc: CacheDocument) -> CacheDocumentOut:
    lookup = doc.lookup
    best = (
        lookup.match
        if lookup is not None and lookup.match
        else (lookup.candidates[0] if lookup and lookup.candidates else None)
    )
    vector = (
        []
        if lookup is None or lookup.vector is None
        else [round(float(x), 5) for x in lookup.vector[:EMBEDDING_PREVIEW]]
    )
    return CacheDocumentOut(
        status=doc.status,
        source=lookup.source if lookup else None,
        doc_id=best.entry.id if best else None,
        prompt=best.entry.prompt if best else None,
        similarity=best.similarity if best else None,
        distance=best.distance if best else None,
        threshold_similarity=1.0 - doc.threshold,
        threshold_distance=doc.threshold,
        query=lookup.query if lookup else {},
        embedding=vector,
        dims=dims,
        reason=doc.reason,
    )


def column_out(done: ColumnDone, document: CacheDocumentOut | None = None) -> ColumnOut:
    return ColumnOut(**dict(done.result), document=document)


def column_events(service: CompletionService, body: AskRequest, tenant: str) -> AsyncIterator[ColumnEvent]:
    request = chat_request(service.settings, body.prompt)
    return service.both_columns(request, target_for(service, tenant, body), controls_for(body))


def frame(dims: int, event: ColumnEvent) -> dict[str, str]:
    if isinstance(event, ColumnStart):
        return sse("column_start", {"column": event.column, "model": event.model, "started_at": time.time()})
    if isinstance(event, CacheDocument):
        return sse("cache_document", document_out(dims, event).model_dump())
    if isinstance(event, Delta):
        return sse("content_chunk", {"column": event.column, "text": event.text})
    return sse("column_complete", event.result.model_dump(exclude={"text"}))


async def sse_stream(
    service: CompletionService, dims: int, body: AskRequest, tenant: str
) -> AsyncIterator[dict[str, str]]:
    started = time.perf_counter()
    async for event in column_events(service, body, tenant):
        if isinstance(event, Delta) and not event.text:
            continue
        yield frame(dims, event)
    yield sse("stream_complete", {"total_ms": (time.perf_counter() - started) * 1000})


@router.post("/ask/stream", response_class=EventSourceResponse)
async def ask_stream(
    body: AskRequest, principal: PrincipalDep, service: ServiceDep, embedder: EmbedderDep
) -> EventSourceResponse:
    target_for(service, principal.tenant, body)  # validate the scope before the stream starts (422, not an event)
    return EventSourceResponse(sse_stream(service, embedder.dims, body, principal.tenant), ping=15)


@router.get("/ask/stream", response_class=EventSourceResponse)
async def ask_stream_get(
    principal: PrincipalDep,
    service: ServiceDep,
    embedder: EmbedderDep,
    prompt: str = Query(min_length=1, max_length=32_000),
) -> EventSourceResponse:
    """The same stream for `EventSource` clients, which can only GET."""
    try:
        body = AskRequest(prompt=prompt)
    except ValidationError as e:  # built here, not by FastAPI: a blank prompt must be a 422, not a 500
        raise RequestValidationError(e.errors(include_url=False)) from e
    return await ask_stream(body, principal, service, embedder)


@router.post("/ask", response_model=AskResponse)
async def ask(body: AskRequest, principal: PrincipalDep, service: ServiceDep, embedder: EmbedderDep) -> AskResponse:
    target_for(service, principal.tenant, body)
    columns: dict[str, ColumnOut] = {}
    document: CacheDocumentOut | None = None
    async for event in column_events(service, body, principal.tenant):
        if isinstance(event, CacheDocument):
            document = document_out(embedder.dims, event)
        elif isinstance(event, ColumnDone):
            out = column_out(event, document if event.result.column == "cache" else None)
            columns[event.result.column] = out
    return AskResponse(prompt=body.prompt, raw=columns["raw"], cache=columns["cache"])


@router.get("/llm/test", response_model=LLMTestResponse)
async def llm_test(principal: PrincipalDep, service: ServiceDep) -> LLMTestResponse:
    """A tiny real call to the configured LLM: is it there, and how fast."""
    llm = service.llm
    request = ChatRequest(
        messages=[ChatMessage(role="user", content="Say OK.")], max_tokens=LLM_TEST_MAX_TOKENS, temperature=0
    )
    started = time.perf_counter()
    try:
        answer, error = probe_answer(await llm.complete(request))
    except LLMError as e:
        answer, error = None, ErrorInfo.of(e)
    return LLMTestResponse(
        ok=error is None,
        provider=llm.provider,
        model=llm.model,
        latency_ms=(time.perf_counter() - started) * 1000,
        answer=answer,
        error=error,
    )
