"""/ask (one JSON answer), /ask/stream (SSE, raw and cache columns in parallel) and /llm/test."""

from __future__ import annotations

import time

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sse_starlette import EventSourceResponse

from semcache import intake
from semcache.api.deps import EmbedderDep, IntakeDep, LLMDep, PrincipalDep, ServiceDep
from semcache.api.framing import events
from semcache.errors import LLMError
from semcache.result import ErrorInfo
from semcache.schemas.ask import AskRequest, AskResponse, LLMTestResponse
from semcache.schemas.openai import ChatMessage, ChatRequest

__all__ = ["router"]

router = APIRouter(tags=["ask"])


@router.post("/ask/stream", response_class=EventSourceResponse)
async def ask_stream(
    body: AskRequest, principal: PrincipalDep, rules: IntakeDep, service: ServiceDep, embedder: EmbedderDep
) -> EventSourceResponse:
    record = intake.ask(rules, principal.tenant, body)  # before the stream starts: bad input is a 422, not an event
    return EventSourceResponse(events.stream(service.ask(record), embedder.dims), ping=15)


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
    return await events.collect(service.ask(record), embedder.dims, body.prompt)


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
