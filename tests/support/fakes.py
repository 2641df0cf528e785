"""In-memory implementations of the cache Protocols (semcache/cache/base.py) and of the LLM Protocol.

For unit tests of the flow (single flight, the availability gate, the service) only: what they test is
the orchestration, so nothing here imitates Redis or a model beyond what the Protocols promise. The
integration tests run the same flow against real Redis and a real upstream.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Mapping

from openai.types.chat import ChatCompletion, ChatCompletionChunk

from semcache.api.framing.chat import chunk, completion
from semcache.cache.models import Candidate, Entry
from semcache.cache.semantic import Lookup
from semcache.embeddings.base import Vector
from semcache.errors import CacheUnavailableError, LLMError
from semcache.normalize import entry_id, normalize_text
from semcache.schemas.openai import ChatRequest
from semcache.telemetry.events import TelemetryEvent
from semcache.telemetry.verdicts import Verdict
from semcache.verify import feedback


class Outage:
    """A switch shared by the fakes of one Redis: while `down`, every call raises CacheUnavailableError."""

    def __init__(self) -> None:
        self.down = False

    def check(self) -> None:
        if self.down:
            raise CacheUnavailableError("redis is down (in-memory fake)")


class MemoryLocks:
    """FlightLocks: `entries` stands for what other replicas stored, `locks` for the locks they hold."""

    def __init__(self, outage: Outage | None = None) -> None:
        self.outage = outage or Outage()
        self.locks: dict[str, str] = {}
        self.entries: dict[str, Entry] = {}

    async def acquire_flight(self, entry_id: str, token: str, *, ttl_ms: int) -> bool:
        self.outage.check()
        if entry_id in self.locks:
            return False
        self.locks[entry_id] = token
        return True

    async def flight_held(self, entry_id: str) -> bool:
        self.outage.check()
        return entry_id in self.locks

    async def release_flight(self, entry_id: str, token: str) -> None:
        self.outage.check()
        if self.locks.get(entry_id) == token:
            del self.locks[entry_id]

    async def get(self, entry_id: str, *, scope: Mapping[str, str] | None = None) -> Entry | None:
        self.outage.check()
        return self.entries.get(entry_id)


class MemoryIndex:
    """Index: counts how often the gate (re)checked it."""

    def __init__(self, outage: Outage | None = None) -> None:
        self.outage = outage or Outage()
        self.checks = 0

    async def ensure_index(self) -> str:
        self.checks += 1
        self.outage.check()
        return "memory-index"

    async def index_percent(self) -> float:
        return 100.0

    async def loading_percent(self) -> float | None:
        return None


class MemoryVerdicts:
    """Verdicts: the feedback state per entry id, updated as the store's script does (`feedback.updated`);
    an id not in `states` is a missing entry."""

    def __init__(self, outage: Outage | None = None) -> None:
        self.outage = outage or Outage()
        self.states: dict[str, dict[str, object]] = {}
        self.keeps: list[int] = []

    async def record_verdict(
        self, entry_id: str, *, correct: bool, similarity: float | None, keep: int
    ) -> dict[str, object] | None:
        self.outage.check()
        self.keeps.append(keep)
        if entry_id not in self.states:
            return None
        state = feedback.read({feedback.KEY: self.states[entry_id]})
        self.states[entry_id] = feedback.as_metadata(feedback.updated(state, correct=correct, similarity=similarity))
        return self.states[entry_id]


class MemoryCache:
    """AnswerCache with exact matches only (the semantic search is the integration tests' business)."""

    distance_threshold = 0.06

    def __init__(self, outage: Outage | None = None) -> None:
        self.outage = outage or Outage()
        self.entries: dict[str, Entry] = {}

    async def lookup(
        self,
        prompt: str,
        scope: Mapping[str, str],
        *,
        distance_threshold: float | None = None,
        max_age_s: float | None = None,
        base_threshold: float | None = None,
    ) -> Lookup:
        self.outage.check()
        entry = self.entries.get(entry_id(normalize_text(prompt), scope))
        if entry is None:
            return Lookup(False, None, None, [], self.distance_threshold)
        match = Candidate(entry, 0.0)
        return Lookup(True, "exact", match, [match], self.distance_threshold)

    async def put(
        self,
        prompt: str,
        response: str,
        scope: Mapping[str, str],
        *,
        ttl: int | None,
        vector: Vector | None = None,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        metadata: Mapping[str, object] | None = None,
        tags: tuple[str, ...] = (),
    ) -> Entry:
        self.outage.check()
        key = entry_id(normalize_text(prompt), scope)
        entry = Entry(
            key,
            prompt,
            normalize_text(prompt),
            response,
            dict(scope),
            time.time(),
            completion_tokens=completion_tokens,
            metadata=dict(metadata or {}),
            tags=tags,
            ttl=ttl,
        )
        self.entries[key] = entry
        return entry


class ScriptedLLM:
    """LLM: streams `answer` word by word. `fail` makes the next calls raise it before any text; `hold`
    keeps every call waiting until it is set (so concurrent callers meet in flight)."""

    provider = "fake"
    model = "fake-model"

    def __init__(self, answer: str = "Paris is the capital of France.") -> None:
        self.answer = answer
        self.calls = 0
        self.fail: list[LLMError] = []
        self.hold: asyncio.Event | None = None

    async def stream(self, request: ChatRequest) -> AsyncIterator[ChatCompletionChunk]:
        self.calls += 1
        failure = self.fail.pop(0) if self.fail else None
        if self.hold is not None:
            await self.hold.wait()
        if failure is not None:
            raise failure
        for word in self.answer.split(" "):
            yield chunk("chatcmpl-fake", self.model, content=word + " ")
        yield chunk("chatcmpl-fake", self.model, finish_reason="stop")

    async def complete(self, request: ChatRequest) -> ChatCompletion:
        self.calls += 1
        return completion(
            "chatcmpl-fake", self.model, self.answer, finish_reason="stop", prompt_tokens=1, completion_tokens=1
        )

    async def ping(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


class ListTelemetry:
    def __init__(self) -> None:
        self.events: list[TelemetryEvent] = []

    async def record(self, event: TelemetryEvent) -> None:
        self.events.append(event)


class MemoryLedger:
    """verify/audit.Ledger: verdicts, counters (as telemetry/verdicts.py names them), budgets and alerts."""

    def __init__(self) -> None:
        self.verdicts: list[Verdict] = []
        self.claims: dict[str, int] = {}
        self.alerts: list[tuple[str, str]] = []

    async def record(self, verdict: Verdict) -> None:
        self.verdicts.append(verdict)

    async def claim_audit(self, entry_id: str, *, limit: int, ttl: int | None) -> bool:
        self.claims[entry_id] = self.claims.get(entry_id, 0) + 1
        return self.claims[entry_id] <= limit

    async def counters(self, tenant: str | None = None) -> dict[str, float]:
        counts: dict[str, float] = {}
        for v in self.verdicts:
            if tenant is None or v.tenant == tenant:
                key = f"{v.kind}:{'right' if v.correct else 'wrong'}:{v.namespace}"
                counts[key] = counts.get(key, 0) + 1
        return counts

    async def alert(self, *, tenant: str, namespace: str, estimate: float, high: float, judged: int) -> None:
        self.alerts.append((tenant, namespace))
