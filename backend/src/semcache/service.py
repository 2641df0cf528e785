"""CompletionService: the one flow behind /ask, /ask/stream, /v1/chat/completions and the UI.

Each column (raw, cache) is an async stream of framing-neutral events; the routes only frame them
(SSE events, OpenAI chunks, or one JSON body).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Literal

from openai.types.chat import ChatCompletionChunk

from semcache.cache.gate import CacheGate
from semcache.cache.models import Candidate
from semcache.cache.semantic import Lookup, SemanticCache
from semcache.config import Settings
from semcache.costs import Price, cost_usd, price_for
from semcache.errors import CacheFullError, CacheLoadingError, CacheUnavailableError, EmbeddingError, LLMError
from semcache.flight import Flight, SingleFlight
from semcache.llm.base import LLM
from semcache.llm.shared import Answer, SharedStream
from semcache.llm.tokens import count_messages, count_text
from semcache.normalize import KeyPlan, entry_id, normalize_text
from semcache.schemas.openai import ChatRequest
from semcache.streaming import looks_like_refusal, replay_pieces
from semcache.telemetry.events import Path, TelemetryEvent, TelemetrySink

log = logging.getLogger(__name__)
Column = Literal["raw", "cache"]


@dataclass(frozen=True)
class Controls:
    """Per-request cache controls (Cache-Control and x-semcache-* headers, or /ask options)."""

    no_cache: bool = False
    no_store: bool = False
    max_age_s: float | None = None
    ttl: int | None = None
    distance_threshold: float | None = None
    tags: tuple[str, ...] = ()


@dataclass
class ColumnResult:
    column: Column
    status: Literal["ok", "hit", "miss", "bypass", "error"]
    model: str
    text: str = ""
    source: str | None = None
    latency_ms: float = 0.0
    ttft_ms: float | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    tokens_saved: int = 0
    cost_usd: float = 0.0
    cost_saved_usd: float = 0.0
    similarity: float | None = None
    distance: float | None = None
    stored: bool = False
    stored_id: str | None = None
    entry_id: str | None = None
    entry_created_at: float | None = None
    finish_reason: str | None = None
    error: dict[str, str] | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ColumnStart:
    column: Column
    model: str


@dataclass(frozen=True)
class CacheDocument:
    status: Literal["hit", "miss", "bypass"]
    lookup: Lookup | None
    threshold: float
    reason: str | None = None


@dataclass(frozen=True)
class Delta:
    column: Column
    text: str
    chunk: ChatCompletionChunk | None = None


@dataclass(frozen=True)
class ColumnDone:
    result: ColumnResult


ColumnEvent = ColumnStart | CacheDocument | Delta | ColumnDone


@dataclass
class CacheTarget:
    """Where a request's answer lives in the cache: its key plan and hard scope."""

    plan: KeyPlan
    scope: dict[str, str]
    tenant: str

    @property
    def entry_id(self) -> str | None:
        return entry_id(normalize_text(self.plan.text), self.scope) if self.plan.text is not None else None


@dataclass
class CompletionService:
    cache: SemanticCache
    gate: CacheGate
    llm: LLM
    settings: Settings
    telemetry: TelemetrySink
    prices: dict[str, Price]
    flights: SingleFlight
    background: set[asyncio.Task[None]] = field(default_factory=set)

    # --- upstream ----------------------------------------------------------------------------

    def prepare(self, request: ChatRequest) -> ChatRequest:
        """Defaults the local demo model needs to stay on topic; other upstreams get the request as sent."""
        if self.llm.provider == "local" and request.max_tokens is None and request.max_completion_tokens is None:
            return request.model_copy(update={"max_tokens": self.settings.llm_max_tokens})
        return request

    def open_upstream(self, request: ChatRequest) -> SharedStream:
        return SharedStream(self.llm.stream(self.prepare(request)).__aiter__())

    # --- raw column --------------------------------------------------------------------------

    async def raw_column(
        self, request: ChatRequest, upstream: SharedStream, *, tenant: str, started: float | None = None
    ) -> AsyncIterator[ColumnEvent]:
        started = started or time.perf_counter()
        model = request.model or self.llm.model
        yield ColumnStart("raw", model)
        result = ColumnResult("raw", "ok", model)
        async for event in self._relay("raw", upstream, request, result, started):
            yield event
        await self._record("raw", result, tenant)
        yield ColumnDone(result)

    async def _relay(
        self, column: Column, upstream: SharedStream, request: ChatRequest, result: ColumnResult, started: float
    ) -> AsyncIterator[ColumnEvent]:
        try:
            async for chunk in upstream.chunks():
                text = chunk.choices[0].delta.content if chunk.choices else None
                if text and result.ttft_ms is None:
                    result.ttft_ms = (time.perf_counter() - started) * 1000
                yield Delta(column, text or "", chunk)
        except LLMError as e:
            result.status, result.error = "error", {"code": e.code, "message": e.message}
        answer = upstream.answer
        if answer.cancelled and result.status != "error":
            # A follower that joined as the leader's client hung up reads a cut answer: an error, not a 200.
            result.status, result.error = "error", {"code": "llm_error", "message": "the upstream call was cancelled"}
        result.text, result.finish_reason = answer.text, answer.finish_reason
        result.prompt_tokens = answer.prompt_tokens or count_messages(
            [m.model_dump() for m in self.prepare(request).messages]
        )
        result.completion_tokens = answer.completion_tokens or count_text(answer.text)
        result.cost_usd = cost_usd(result.prompt_tokens, result.completion_tokens, price_for(result.model, self.prices))
        result.latency_ms = (time.perf_counter() - started) * 1000

    # --- cache column ------------------------------------------------------------------------

    async def cache_column(
        self,
        request: ChatRequest,
        target: CacheTarget,
        controls: Controls,
        upstream: Callable[[], Awaitable[Flight]],
        *,
        path: Path = "cache",
        started: float | None = None,
    ) -> AsyncIterator[ColumnEvent]:
        started = started or time.perf_counter()
        model = request.model or self.llm.model
        yield ColumnStart("cache", model)
        threshold = self.cache.distance_threshold
        if controls.distance_threshold is not None:
            threshold = min(threshold, controls.distance_threshold)
        lookup, reason = await self._lookup(target, controls)
        flight: Flight | None = None
        if lookup is not None and not lookup.hit:
            flight = await upstream()
            if flight.entry is not None:  # another replica answered the same question meanwhile
                lookup = replace(lookup, hit=True, source="exact", match=Candidate(flight.entry, 0.0))
        status: Literal["hit", "miss", "bypass"] = "bypass" if lookup is None else ("hit" if lookup.hit else "miss")
        yield CacheDocument(status, lookup, threshold, reason)
        if lookup is not None and lookup.hit and lookup.match is not None:
            result = self._hit_result(request, lookup, model, started)
            for piece in replay_pieces(result.text):
                yield Delta("cache", piece)
            await self._record(path, result, target.tenant)
            yield ColumnDone(result)
            return
        if flight is None:
            flight = await upstream()
        result = ColumnResult("cache", status, model, reason=reason)
        if lookup is not None and lookup.candidates:
            result.similarity, result.distance = lookup.candidates[0].similarity, lookup.candidates[0].distance
        stream = flight.stream
        assert stream is not None
        if not flight.leader and await stream.failed_before_content():
            stream = self.open_upstream(request).start()  # the leader failed early: try on our own
            flight = Flight(flight.key, stream, leader=True)
        try:
            async for event in self._relay("cache", stream, request, result, started):
                yield event
        except BaseException:
            # The reader went away mid-answer (a client hang-up closes this generator): a leader must still
            # release its flight, or every later identical request would follow this dead stream.
            if flight.leader:
                self.spawn(self.flights.finish(flight))
            raise
        if flight.leader:
            if result.status != "error":
                self._maybe_store(stream.answer, target, controls, lookup, result, flight)
            else:
                self.spawn(self.flights.finish(flight))
        else:
            result.reason = "single flight: served the answer of an identical in-flight request"
            result.tokens_saved, result.cost_saved_usd, result.cost_usd = (
                result.prompt_tokens + result.completion_tokens,
                result.cost_usd,
                0.0,
            )
        await self._record(path, result, target.tenant)
        yield ColumnDone(result)

    async def _lookup(self, target: CacheTarget, controls: Controls) -> tuple[Lookup | None, str | None]:
        if target.plan.text is None:
            return None, target.plan.reason
        if controls.no_cache:
            return None, "Cache-Control: no-cache (lookup skipped, the answer is still stored)"
        try:
            lookup = await self.gate.run(
                lambda: self.cache.lookup(
                    target.plan.text or "",
                    target.scope,
                    distance_threshold=controls.distance_threshold,
                    max_age_s=controls.max_age_s,
                )
            )
        except CacheLoadingError as e:
            return None, e.message
        except (CacheUnavailableError, EmbeddingError) as e:
            return None, f"cache unavailable: {e.message}"
        return lookup, None

    async def join_flight(self, target: CacheTarget, request: ChatRequest) -> Flight:
        """The gateway's upstream: one call per (key, scope) at a time, across replicas."""
        key = target.entry_id
        if key is None or not self.gate.ready:
            return Flight(key or "", self.open_upstream(request).start(), leader=True)
        return await self.flights.join(key, lambda: self.open_upstream(request))

    def _hit_result(self, request: ChatRequest, lookup: Lookup, model: str, started: float) -> ColumnResult:
        assert lookup.match is not None
        entry = lookup.match.entry
        elapsed = (time.perf_counter() - started) * 1000
        prompt_tokens = count_messages([m.model_dump() for m in self.prepare(request).messages])
        completion_tokens = entry.completion_tokens or count_text(entry.response)
        saved = cost_usd(prompt_tokens, completion_tokens, price_for(model, self.prices))
        return ColumnResult(
            "cache",
            "hit",
            model,
            text=entry.response,
            source=lookup.source,
            latency_ms=elapsed,
            ttft_ms=elapsed,
            tokens_saved=prompt_tokens + completion_tokens,
            cost_saved_usd=saved,
            similarity=lookup.match.similarity,
            distance=lookup.match.distance,
            entry_id=entry.id,
            entry_created_at=entry.created_at,
            finish_reason="stop",
        )

    def store_refusal(self, answer: Answer) -> str | None:
        """Why an answer must not be stored, or None when it may be."""
        if answer.error is not None:
            return "the LLM failed"
        if answer.cancelled:
            return "the stream was cancelled"
        if answer.finish_reason != "stop":
            return f"incomplete answer (finish_reason={answer.finish_reason})"
        if not answer.text.strip():
            return "empty answer"
        if answer.refusal or looks_like_refusal(answer.text):
            return "the LLM refused"
        if len(answer.text) > self.settings.max_response_chars:
            return "answer larger than MAX_RESPONSE_CHARS"
        return None

    def _maybe_store(
        self,
        answer: Answer,
        target: CacheTarget,
        controls: Controls,
        lookup: Lookup | None,
        result: ColumnResult,
        flight: Flight,
    ) -> None:
        refusal = self.store_refusal(answer)
        if refusal is not None:
            result.reason = f"not stored: {refusal}"
        if (
            target.plan.text is None
            or controls.no_store
            or refusal is not None
            or (lookup is None and not controls.no_cache)
        ):
            # Nothing to store (or the cache is unavailable: no writes queued against it).
            self.spawn(self.flights.finish(flight))
            return
        ttl = controls.ttl if controls.ttl is not None else self.settings.cache_ttl
        vector = lookup.vector if lookup is not None else None
        text, scope = target.plan.text, dict(target.scope)
        tokens = (result.prompt_tokens, result.completion_tokens)

        async def store() -> None:
            try:
                await self.gate.run(
                    lambda: self.cache.put(
                        text,
                        answer.text,
                        scope,
                        ttl=ttl,
                        vector=vector,
                        prompt_tokens=tokens[0],
                        completion_tokens=tokens[1],
                        metadata={"model": result.model},
                        tags=controls.tags,
                    )
                )
            except CacheFullError:
                pass  # counted, and logged at most once a minute, by the gate
            except (CacheUnavailableError, EmbeddingError) as e:
                log.warning("answer not stored: %s", e.message)
            finally:
                await self.flights.finish(flight)

        result.stored, result.stored_id = True, target.entry_id
        self.spawn(store())

    # --- plumbing ----------------------------------------------------------------------------

    def spawn(self, coro: object) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)  # type: ignore[arg-type]
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def drain(self) -> None:
        """Wait for pending stores (tests, shutdown)."""
        while self.background:
            await asyncio.gather(*list(self.background), return_exceptions=True)

    async def _record(self, path: Path, result: ColumnResult, tenant: str) -> None:
        event = TelemetryEvent(
            path=path,
            status=result.status,
            tenant=tenant,
            model=result.model,
            source=result.source or "",
            similarity=result.similarity,
            latency_ms=result.latency_ms,
            ttft_ms=result.ttft_ms,
            prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens,
            tokens_saved=result.tokens_saved,
            cost_usd=result.cost_usd,
            cost_saved_usd=result.cost_saved_usd,
            error=(result.error or {}).get("code", ""),
            ts=time.time(),
        )
        self.spawn(self._send(event))

    async def _send(self, event: TelemetryEvent) -> None:
        # Off the request's path: a slow or broken telemetry store never delays or fails an answer.
        try:
            await self.telemetry.record(event)
        except Exception:
            log.warning("telemetry record failed", exc_info=True)
