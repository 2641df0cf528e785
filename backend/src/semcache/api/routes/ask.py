"""/ask (one JSON answer), /ask/stream (SSE, raw and cache columns in parallel) and /llm/test."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sse_starlette import EventSourceResponse

from semcache import intake
from semcache.api.deps import EmbedderDep, IntakeDep, LLMDep, PrincipalDep, ServiceDep
from semcache.errors import LLMError
from semcache.events import CacheDocument, ColumnDone, ColumnEvent, ColumnStart, Delta
from semcache.intake import CacheRequest
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


def column_events(service: CompletionService, record: CacheRequest) -> AsyncIterator[ColumnEvent]:
    assert record.chat is not None  # /ask always has one
    return service.both_columns(record.chat, record.target, record.controls)


def frame(dims: int, event: ColumnEvent) -> dict[str, str]:
    if isinstance(event, ColumnStart):
        return sse("column_start", {"column": event.column, "model": event.model, "started_at": time.time()})
    if isinstance(event, CacheDocument):
        return sse("cache_document", document_out(dims, event).model_dump())
    if isinstance(event, Delta):
        return sse("content_chunk", {"column": event.column, "text": event.text})
    return sse("column_complete", event.result.model_dump(exclude={"text"}))


async def sse_stream(service: CompletionService, dims: int, record: CacheRequest) -> AsyncIterator[dict[str, str]]:
    started = time.perf_counter()
    async for event in column_events(service, record):
        if isinstance(event, Delta) and not event.text:
            continue
        yield frame(dims, event)
    yield sse("stream_complete", {"total_ms": (time.perf_counter() - started) * 1000})


@router.post("/ask/stream", response_class=EventSourceResponse)
async def ask_stream(
    body: AskRequest, principal: PrincipalDep, rules: IntakeDep, service: ServiceDep, embedder: EmbedderDep
) -> EventSourceResponse:
    record = intake.ask(rules, principal.tenant, body)  # before the stream starts: bad input is a 422, not an event
    return EventSourceResponse(sse_stream(service, embedder.dims, record), ping=15)


@router.get("/ask/stream", response_class=EventSourceResponse)
async def ask_stream_get(
    principal: PrincipalDep,
    rules: IntakeDep,
    service: ServiceDep,
    embedder: EmbedderDep,
    prompt: str = Query(min_length=1, max_length=32_000),
) -> EventSourceResponse:
    """The same stream for `EventSource` clients, which can only GET."""
    try:
        body = AskRequest(prompt=prompt)
    except ValidationError as e:  # built here, not by FastAPI: a blank prompt must be a 422, not a 500
        raise RequestValidationError(e.errors(include_url=False)) from e
    return await ask_stream(body, principal, rules, service, embedder)


@router.post("/ask", response_model=AskResponse)
async def ask(
    body: AskRequest, principal: PrincipalDep, rules: IntakeDep, service: ServiceDep, embedder: EmbedderDep
) -> AskResponse:
    record = intake.ask(rules, principal.tenant, body)
    columns: dict[str, ColumnOut] = {}
    document: CacheDocumentOut | None = None
    async for event in column_events(service, record):
        if isinstance(event, CacheDocument):
            document = document_out(embedder.dims, event)
        elif isinstance(event, ColumnDone):
            out = column_out(event, document if event.result.column == "cache" else None)
            columns[event.result.column] = out
    return AskResponse(prompt=body.prompt, raw=columns["raw"], cache=columns["cache"])


@router.get("/llm/test", response_model=LLMTestResponse)
async def llm_test(principal: PrincipalDep, llm: LLMDep) -> LLMTestResponse:
    """A tiny real call to the configured LLM: is it there, and how fast."""
    request = ChatRequest(messages=[ChatMessage(role="user", content="Say OK.")], max_tokens=5, temperature=0)
    started = time.perf_counter()
    try:
        completion = await llm.complete(request)
        answer, error = completion.choices[0].message.content if completion.choices else "", None
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
