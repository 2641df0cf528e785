"""CompletionService: the one flow behind /ask, /ask/stream, /v1/chat/completions and the UI.

Each column (raw, cache) is an async stream of framing-neutral events; the routes only frame them
(SSE events, OpenAI chunks, or one JSON body).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field, replace

from openai.types.chat import ChatCompletion, ChatCompletionChunk

from semcache.cache.availability import CacheGate
from semcache.cache.base import AnswerCache
from semcache.cache.models import Candidate, Entry
from semcache.cache.policy import serve_refusal, store_refusal
from semcache.cache.semantic import Lookup, tighten
from semcache.config import Settings
from semcache.controls import Controls
from semcache.errors import (
    CacheFullError,
    CacheLoadingError,
    CacheUnavailableError,
    EmbeddingError,
    LLMBadRequestError,
    LLMError,
)
from semcache.events import CacheDocument, CacheTarget, ColumnDone, ColumnEvent, ColumnStart, Delta, GatewayAnswer
from semcache.flight import Flight, SingleFlight
from semcache.intake import CacheRequest
from semcache.llm.base import LLM, Relayed, ResponsesRelay
from semcache.llm.shared import Answer, SharedStream
from semcache.llm.tokens import count_messages, count_text
from semcache.local.llm import CONTEXT_TOKENS
from semcache.result import Column, ColumnResult, ErrorInfo, LookupStatus, Path
from semcache.schemas.openai import ChatRequest
from semcache.streaming import replay_pieces
from semcache.telemetry.events import TelemetryEvent, TelemetrySink
from semcache.token_prices import Price, cost_usd, price_for
from semcache.verify.audit import Auditor

__all__ = ["CompletionService"]

log = logging.getLogger(__name__)

#: How long an answer's end waits for its store; a slow Redis delays no answer longer than this (the
#: store still completes in the background).
STORE_WAIT_S = 2.0


@dataclass
class CompletionService:
    cache: AnswerCache
    gate: CacheGate
    llm: LLM
    settings: Settings
    telemetry: TelemetrySink
    prices: dict[str, Price]
    flights: SingleFlight
    background: set[asyncio.Task[None]] = field(default_factory=set)
    #: Audits and miss comparisons (verify/audit.py); None: the cache never checks its answers.
    audits: Auditor | None = None

    # --- the two flows the routes serve ----------------------------------------------------------

    async def both_columns(
        self, request: ChatRequest, target: CacheTarget, controls: Controls
    ) -> AsyncIterator[ColumnEvent]:
        """/ask: the raw and the cache column, interleaved as they happen. One upstream call serves both: the
        raw column always reads it, the cache column reads it too on a miss. Closing this cancels everything."""
        started = time.perf_counter()
        upstream = self.open_upstream(request).start()
        queue: asyncio.Queue[ColumnEvent | None] = asyncio.Queue()

        async def pump(events: AsyncIterator[ColumnEvent]) -> None:
            try:
                async for event in events:
                    await queue.put(event)
            finally:
                await queue.put(None)

        async def shared() -> Flight:
            # The raw column's call is this request's flight; the cache column joins it on a miss.
            return Flight("", upstream, leader=True)

        raw = self.raw_column(request, upstream, tenant=target.tenant, started=started)
        cache = self.cache_column(request, target, controls, shared, started=started)
        tasks = [asyncio.create_task(pump(raw)), asyncio.create_task(pump(cache))]
        try:
            for _ in tasks:
                while (event := await queue.get()) is not None:
                    yield event
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            upstream.cancel()

    async def gateway(self, request: ChatRequest, target: CacheTarget, controls: Controls) -> GatewayAnswer:
        """The OpenAI-compatible routes: the cache column under single flight, read up to its document and
        the first event after it (the response headers and status depend on both)."""

        self.check(request)

        async def upstream() -> Flight:
            return await self.join_flight(target, request)

        events = self.cache_column(request, target, controls, upstream, path="gateway")
        async for event in events:
            if isinstance(event, CacheDocument):
                return GatewayAnswer(event, await anext(events), events)
        raise LLMError("the cache column ended before its lookup")

    # --- the flows, one per kind of request: a route hands over its intake record -----------------

    def ask(self, record: CacheRequest) -> AsyncIterator[ColumnEvent]:
        """/ask and /ask/stream: the raw and the cache column."""
        return self.both_columns(record.upstream_request(), record.target, record.controls)

    async def chat(self, record: CacheRequest) -> GatewayAnswer:
        """/v1/chat/completions, and /v1/responses once translated: the gateway flow."""
        return await self.gateway(record.upstream_request(), record.target, record.controls)

    async def passthrough(self, record: CacheRequest) -> ChatCompletion:
        """A chat request the cache never keys (tools, n > 1, ...): upstream untouched, answer and all."""
        return await self.llm.complete(self.prepare(record.upstream_request()))

    async def relay_responses(self, payload: Mapping[str, object], *, stream: bool) -> Relayed | None:
        """A Responses API request the cache cannot key: the upstream's own /responses, as sent. None when
        the upstream has no Responses API (no LLM configured)."""
        if not isinstance(self.llm, ResponsesRelay):
            return None
        return await self.llm.relay_responses(payload, stream=stream)

    # --- upstream ----------------------------------------------------------------------------

    def prepare(self, request: ChatRequest) -> ChatRequest:
        """The request as the upstream is sent it: text-only content arrays as the one string the cache key
        holds, and the defaults the local demo model needs to stay on topic. Raises BadRequestError for what
        the upstream cannot take (before any call, so the caller reads why instead of an empty answer)."""
        self.check(request)
        request = request.flattened()
        if self.llm.provider == "local" and request.max_tokens is None and request.max_completion_tokens is None:
            return request.model_copy(update={"max_tokens": self.settings.llm_max_tokens})
        return request

    def check(self, request: ChatRequest) -> None:
        """A 400 for what the local model cannot take, before it is called: it reads text only, and its
        server ends a stream over its context without saying why (other upstreams answer such requests
        with their own 4xx, which is passed on)."""
        if self.llm.provider != "local":
            return
        parts = request.non_text_parts()
        if parts:
            raise LLMBadRequestError(
                f"the local model ({self.llm.model}) reads text only; this request has content parts of type "
                f"{', '.join(sorted(set(parts)))}. Send text parts, or configure an upstream that takes them "
                "(LLM_BASE_URL, AZURE_OPENAI_ENDPOINT or OPENAI_API_KEY)"
            )
        # tiktoken counts fewer tokens than the model's own tokenizer: an estimate over the context is over.
        tokens = count_messages([m.model_dump() for m in request.messages])
        if tokens > CONTEXT_TOKENS:
            raise LLMBadRequestError(
                f"the prompt is about {tokens} tokens, over the local model's {CONTEXT_TOKENS}-token context "
                "(its maximum context length); shorten the messages"
            )

    def open_upstream(self, request: ChatRequest) -> SharedStream:
        return SharedStream(self._upstream_chunks(request))

    async def _upstream_chunks(self, request: ChatRequest) -> AsyncIterator[ChatCompletionChunk]:
        # Prepared on first read: a request the upstream cannot take fails as the stream's own error, which
        # every reader (both /ask columns, single-flight followers) reports, instead of escaping the flow.
        async for chunk in self.llm.stream(self.prepare(request)):
            yield chunk

    # --- raw column --------------------------------------------------------------------------

    async def raw_column(
        self, request: ChatRequest, upstream: SharedStream, *, tenant: str, started: float | None = None
    ) -> AsyncIterator[ColumnEvent]:
        started = started or time.perf_counter()
        model = request.model or self.llm.model
        yield ColumnStart("raw", model)
        result = ColumnResult(column="raw", status="ok", model=model)
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
            result.status, result.error = "error", ErrorInfo.of(e)
        answer = upstream.answer
        if answer.cancelled and result.status != "error":
            # A follower that joined as the leader's client hung up reads a cut answer: an error, not a 200.
            result.status, result.error = "error", ErrorInfo.of(LLMError("the upstream call was cancelled"))
        elif answer.finish_reason is None and result.status != "error":
            # Every answer a client is told is complete carries the upstream's own finish reason (the framings
            # never make one up); SharedStream already fails such a stream, this keeps the promise here too.
            result.status, result.error = "error", ErrorInfo.of(LLMError("the upstream gave no finish reason"))
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
    ) -> AsyncGenerator[ColumnEvent, None]:
        """Look up; on a hit replay the entry, on a miss or bypass relay the upstream (joined through
        `upstream`, which is single flight on the gateway) and store a complete answer afterwards."""
        started = started or time.perf_counter()
        model = request.model or self.llm.model
        yield ColumnStart("cache", model)
        lookup, reason = await self._lookup(target, controls)
        lookup, reason = self._within_limit(lookup, reason, request.max_completion_tokens or request.max_tokens)
        flight: Flight | None = None
        if lookup is None or not lookup.hit:
            flight = await upstream()
            if flight.entry is not None:  # another replica answered the same question meanwhile
                lookup, reason = self._remote_answer(flight.entry, lookup, controls), None
        status: LookupStatus = "bypass" if lookup is None else ("hit" if lookup.hit else "miss")
        served = tighten(self.cache.distance_threshold, controls.distance_threshold)
        yield CacheDocument(status, lookup, lookup.distance_threshold if lookup is not None else served, reason)
        if lookup is not None and lookup.hit and lookup.match is not None:
            result = self._hit_result(request, lookup, model, started)
            for piece in replay_pieces(result.text):
                yield Delta("cache", piece)
            self._audit(request, target, controls, lookup)
        else:
            result = ColumnResult(column="cache", status=status, model=model, reason=reason)
            if lookup is not None and lookup.candidates:
                result.similarity, result.distance = lookup.candidates[0].similarity, lookup.candidates[0].distance
            flight = await self._own_if_leader_failed(request, flight or await upstream())
            async for event in self._answer(request, target, controls, lookup, flight, result, started):
                yield event
        await self._record(path, result, target.tenant)
        yield ColumnDone(result)

    def _remote_answer(self, entry: Entry, lookup: Lookup | None, controls: Controls) -> Lookup:
        """The entry a single-flight leader on another replica stored, as this request's exact hit. Also when
        the request skipped its own lookup (Cache-Control: no-cache): the leader's answer is as fresh as a
        local leader's live stream, which such a request follows too."""
        match = Candidate(entry, 0.0)
        if lookup is not None:
            return replace(lookup, hit=True, source="exact", match=match)
        return Lookup(
            True, "exact", match, [match], tighten(self.cache.distance_threshold, controls.distance_threshold)
        )

    async def _own_if_leader_failed(self, request: ChatRequest, flight: Flight) -> Flight:
        assert flight.stream is not None
        if not flight.leader and await flight.stream.failed_before_content():
            # The leader failed before any text: try on our own rather than pass its error on.
            return Flight(flight.key, self.open_upstream(request).start(), leader=True)
        return flight

    async def _answer(
        self,
        request: ChatRequest,
        target: CacheTarget,
        controls: Controls,
        lookup: Lookup | None,
        flight: Flight,
        result: ColumnResult,
        started: float,
    ) -> AsyncIterator[ColumnEvent]:
        stream = flight.stream
        assert stream is not None
        try:
            async for event in self._relay("cache", stream, request, result, started):
                yield event
        except BaseException:
            # The reader went away mid-answer (a client hang-up closes this generator): a leader must still
            # release its flight, or every later identical request would follow this dead stream.
            if flight.leader:
                self.spawn(self.flights.finish(flight))
            raise
        if not flight.leader:
            result.reason = "single flight: served the answer of an identical in-flight request"
            result.tokens_saved = result.prompt_tokens + result.completion_tokens
            result.cost_saved_usd, result.cost_usd = result.cost_usd, 0.0
        elif result.status != "error":
            limit = request.max_completion_tokens or request.max_tokens
            stored = self._maybe_store(stream.answer, target, controls, lookup, result, flight, limit)
            self._compare_miss(stream.answer, target, lookup)
            if stored is not None:
                # The answer ends once it is stored (or after STORE_WAIT_S): a repeat sent right after it
                # then finds the exact key, instead of racing the write into a KNN match at similarity 1.0.
                await asyncio.wait([stored], timeout=STORE_WAIT_S)
        else:
            self.spawn(self.flights.finish(flight))

    @staticmethod
    def _within_limit(
        lookup: Lookup | None, reason: str | None, max_tokens: int | None
    ) -> tuple[Lookup | None, str | None]:
        """A hit longer than the request's token limit is a miss: OpenAI never answers past max_tokens, and an
        entry of the same limit bucket (or stored before the store checked limits) may be longer."""
        match = lookup.match if lookup is not None and lookup.hit else None
        if lookup is None or match is None or max_tokens is None:
            return lookup, reason
        refusal = serve_refusal(match.entry.response, match.entry.completion_tokens or None, max_tokens=max_tokens)
        if refusal is None:
            return lookup, reason
        return replace(lookup, hit=False, source=None, match=None), f"not served: {refusal}"

    async def _lookup(self, target: CacheTarget, controls: Controls) -> tuple[Lookup | None, str | None]:
        if target.plan.text is None:
            return None, target.plan.reason
        if controls.no_cache:
            return None, "Cache-Control: no-cache (lookup skipped, the answer is still stored)"
        try:
            # Both cache calls of the flow (this and the store) go through the availability gate: a Redis
            # failure marks the cache for a re-check and surfaces as CacheUnavailableError, a bypass here.
            base = self._learned_threshold(target)
            lookup = await self.gate.run(
                lambda: self.cache.lookup(
                    target.plan.text or "",
                    target.scope,
                    distance_threshold=controls.distance_threshold,
                    max_age_s=controls.max_age_s,
                    base_threshold=base,
                )
            )
        except CacheLoadingError as e:
            return None, e.message
        except (CacheUnavailableError, EmbeddingError) as e:
            return None, f"cache unavailable: {e.message}"
        return lookup, None

    def _learned_threshold(self, target: CacheTarget) -> float | None:
        """The namespace's learned distance threshold (verify/learning.py), or None: the configured one. Read
        from this replica's copy, refreshed in the background every few seconds: no round trip per lookup."""
        thresholds = self.audits.thresholds if self.audits is not None else None
        if thresholds is None:
            return None
        if thresholds.due():
            self.spawn(self._refresh_thresholds())
        return thresholds.distance(target.tenant, target.scope.get("namespace", ""))

    async def _refresh_thresholds(self) -> None:
        assert self.audits is not None and self.audits.thresholds is not None
        try:
            await self.audits.thresholds.refresh()
        except CacheUnavailableError as e:
            log.info("learned thresholds not refreshed: %s", e.message)

    async def join_flight(self, target: CacheTarget, request: ChatRequest) -> Flight:
        """The gateway's upstream: one call per (key, scope) at a time, across replicas."""
        key = target.entry_id
        if key is None:
            return Flight("", self.open_upstream(request).start(), leader=True)
        # In-process followers need no Redis. Across replicas only with the cache ready: a down Redis could
        # hold every miss for a socket timeout before its upstream call, and a loading one answers slowly.
        return await self.flights.join(key, lambda: self.open_upstream(request), across=self.gate.ready)

    def _hit_result(self, request: ChatRequest, lookup: Lookup, model: str, started: float) -> ColumnResult:
        assert lookup.match is not None
        entry = lookup.match.entry
        elapsed = (time.perf_counter() - started) * 1000
        prompt_tokens = count_messages([m.model_dump() for m in self.prepare(request).messages])
        completion_tokens = entry.completion_tokens or count_text(entry.response)
        saved = cost_usd(prompt_tokens, completion_tokens, price_for(model, self.prices))
        return ColumnResult(
            column="cache",
            status="hit",
            model=model,
            text=entry.response,
            source=lookup.source,
            latency_ms=elapsed,
            ttft_ms=elapsed,
            tokens_saved=prompt_tokens + completion_tokens,
            cost_saved_usd=saved,
            similarity=lookup.match.similarity,
            distance=lookup.match.distance,
            entry_id=entry.id,
            finish_reason="stop",
        )

    def _maybe_store(
        self,
        answer: Answer,
        target: CacheTarget,
        controls: Controls,
        lookup: Lookup | None,
        result: ColumnResult,
        flight: Flight,
        max_tokens: int | None,
    ) -> asyncio.Task[None] | None:
        refusal = store_refusal(answer, max_chars=self.settings.max_response_chars, max_tokens=max_tokens)
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
            return None
        result.stored, result.stored_id = True, target.entry_id
        ttl = controls.ttl if controls.ttl is not None else self.settings.cache_ttl
        return self.spawn(self._store(answer.text, target, controls.tags, ttl, lookup, result, flight))

    async def _store(
        self,
        text: str,
        target: CacheTarget,
        tags: tuple[str, ...],
        ttl: int | None,
        lookup: Lookup | None,
        result: ColumnResult,
        flight: Flight,
    ) -> None:
        assert target.plan.text is not None
        prompt, scope = target.plan.text, target.scope
        try:
            await self.gate.run(
                lambda: self.cache.put(
                    prompt,
                    text,
                    scope,
                    ttl=ttl,
                    vector=lookup.vector if lookup is not None else None,
                    prompt_tokens=result.prompt_tokens,
                    completion_tokens=result.completion_tokens,
                    metadata={"model": result.model},
                    tags=tags,
                )
            )
        except CacheFullError:
            pass  # counted, and logged at most once a minute, by the gate
        except (CacheUnavailableError, EmbeddingError) as e:
            log.warning("answer not stored: %s", e.message)
        finally:
            await self.flights.finish(flight)

    # --- self-checks (verify/audit.py): background only, never part of what the caller gets ----------

    def _audit(self, request: ChatRequest, target: CacheTarget, controls: Controls, lookup: Lookup) -> None:
        if self.audits is None:
            return
        ttl = controls.ttl if controls.ttl is not None else self.settings.cache_ttl
        namespace = target.scope.get("namespace", "")
        job = self.audits.on_hit(self.prepare(request), lookup, tenant=target.tenant, namespace=namespace, ttl=ttl,
                                 key=target.plan.text, scope=target.scope)  # fmt: skip
        if job is not None:
            self.spawn(job)

    def _compare_miss(self, answer: Answer, target: CacheTarget, lookup: Lookup | None) -> None:
        if self.audits is None:
            return
        namespace = target.scope.get("namespace", "")
        job = self.audits.on_miss(answer, lookup, tenant=target.tenant, namespace=namespace,
                                  key=target.plan.text, scope=target.scope)  # fmt: skip
        if job is not None:
            self.spawn(job)

    # --- plumbing ----------------------------------------------------------------------------

    def spawn(self, coro: Coroutine[object, object, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro)
        self.background.add(task)
        task.add_done_callback(self.background.discard)
        return task

    async def drain(self) -> None:
        """Wait for pending stores (tests, shutdown)."""
        while self.background:
            await asyncio.gather(*list(self.background), return_exceptions=True)

    async def _record(self, path: Path, result: ColumnResult, tenant: str) -> None:
        event = TelemetryEvent.of(result, path=path, tenant=tenant, ts=time.time())
        self.spawn(self._send(event))

    async def _send(self, event: TelemetryEvent) -> None:
        # Off the request's path: a slow or broken telemetry store never delays or fails an answer.
        try:
            await self.telemetry.record(event)
        except Exception:
            log.warning("telemetry record failed", exc_info=True)
