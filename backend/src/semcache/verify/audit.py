"""Audits and miss comparisons: the cache checks its own answers against the LLM, off the caller's path.

- On a semantic hit, with probability CACHE_AUDIT_RATE and while the entry has audits left
  (CACHE_AUDIT_MAX_PER_ENTRY), the same request also goes to the LLM in the background and the judge
  (`judge.py`) compares the two answers. The caller already has the hit: nothing here can change it.
- On a miss whose nearest candidate was within the threshold but refused by the verifier, the LLM answered
  anyway: comparing that answer with the candidate's costs no call.

Each verdict is counted (`telemetry/verdicts.py`, per tenant and namespace) and fed to the entry's own
bound (`verify/feedback.py`): a wrong verdict at a similarity stops the entry being served at that
similarity and below, a right one lets CACHE_MAX_ERROR's bound trust it there. A fresh answer that is an
error, a refusal or cut short is not judged, and nothing here ever stores an answer. Exact hits (verbatim
repeats of the stored prompt) are not audited: a different answer there measures the LLM, not the cache.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from semcache.cache.base import AliasStore, Verdicts
from semcache.cache.models import Candidate
from semcache.cache.policy import store_refusal
from semcache.cache.semantic import Lookup
from semcache.embeddings.base import Vector
from semcache.errors import LLMError, SemcacheError
from semcache.llm.base import LLM
from semcache.llm.shared import Answer, SharedStream
from semcache.llm.tokens import count_messages, count_text
from semcache.schemas.openai import ChatRequest
from semcache.telemetry.errorrate import Rate, rates
from semcache.telemetry.verdicts import Verdict
from semcache.token_prices import Price, cost_usd, price_for
from semcache.verify import feedback
from semcache.verify.judge import AnswerJudge
from semcache.verify.learning import Thresholds

__all__ = ["MAX_IN_FLIGHT", "Asker", "Auditor", "Ledger"]

#: Audit calls running at once, at most; a hit drawn while they are busy is not audited. Audits must never
#: queue up behind a slow upstream (the local model on a small CPU) and compete with the misses it serves.
MAX_IN_FLIGHT = 2

log = logging.getLogger(__name__)

Job = Coroutine[object, object, None]


class Ledger(Protocol):
    """Where verdicts are counted and the per-entry audit budget is kept (telemetry/verdicts.py)."""

    async def record(self, verdict: Verdict) -> None: ...

    async def claim_audit(self, entry_id: str, *, limit: int, ttl: int | None) -> bool: ...

    async def counters(self, tenant: str | None = None) -> dict[str, float]: ...

    async def alert(self, *, tenant: str, namespace: str, estimate: float, high: float, judged: int) -> None: ...


@dataclass(frozen=True)
class Asker:
    """The query a verdict is about, as the cache keys it: what becomes an alias when the verdict is right."""

    prompt: str
    scope: Mapping[str, str]
    vector: Vector


@dataclass
class Auditor:
    llm: LLM
    judge: AnswerJudge
    ledger: Ledger
    entries: Verdicts
    prices: Mapping[str, Price]
    rate: float
    max_per_entry: int
    #: Per-namespace rates overriding `rate` (CACHE_AUDIT_RATES).
    rates: Mapping[str, float] = field(default_factory=dict)
    max_error: float | None = None
    compare_misses: bool = True
    max_chars: int = 200_000
    draw: Callable[[], float] = random.random
    #: Told of every verdict (Prometheus); must not raise.
    observe: Callable[[Verdict], None] = lambda _: None
    #: Namespaces whose audited wrong rate's upper end is above CACHE_MAX_ERROR, as last computed.
    alerts: dict[str, Rate] = field(default_factory=dict)
    in_flight: int = 0
    #: Where a right verdict's query becomes an alias of the entry (cache/aliases.py); None: no aliases.
    aliases: AliasStore | None = None
    #: Per-namespace thresholds learned from the audits (verify/learning.py); None: learning is off.
    thresholds: Thresholds | None = None

    def rate_for(self, namespace: str) -> float:
        return self.rates.get(namespace, self.rate)

    def on_hit(self, request: ChatRequest, lookup: Lookup, *, tenant: str, namespace: str, ttl: int | None,
               key: str | None = None, scope: Mapping[str, str] | None = None) -> Job | None:  # fmt: skip
        """The audit of this hit to run in the background, or None (not drawn, not semantic, off). `key` and
        `scope`: the query as the cache keys it, which a right verdict makes an alias of the entry."""
        match = lookup.match
        rate = self.rate_for(namespace)
        if rate <= 0 or match is None or lookup.source != "semantic" or self.draw() >= rate:
            return None
        if self.in_flight >= MAX_IN_FLIGHT:
            return None
        self.in_flight += 1  # taken here, synchronously, so a burst of hits cannot all pass the check
        asker = _asker(key, scope, lookup)
        return self._audit(request, match, tenant=tenant, namespace=namespace, ttl=ttl, asker=asker)

    def on_miss(self, answer: Answer, lookup: Lookup | None, *, tenant: str, namespace: str,
                key: str | None = None, scope: Mapping[str, str] | None = None) -> Job | None:  # fmt: skip
        """A comparison of the miss's answer with the refused nearest candidate, or None."""
        if not self.compare_misses or lookup is None or lookup.hit or not lookup.candidates:
            return None
        nearest = lookup.candidates[0]
        if nearest.distance > lookup.distance_threshold or store_refusal(answer, max_chars=self.max_chars):
            return None
        asker = _asker(key, scope, lookup)
        return self._compare(nearest, answer.text, tenant=tenant, namespace=namespace, asker=asker)

    async def _audit(self, request: ChatRequest, match: Candidate, *, tenant: str, namespace: str,
                     ttl: int | None, asker: Asker | None) -> None:  # fmt: skip
        try:
            await self._audit_one(request, match, tenant=tenant, namespace=namespace, ttl=ttl, asker=asker)
        finally:
            self.in_flight -= 1

    async def _audit_one(self, request: ChatRequest, match: Candidate, *, tenant: str, namespace: str,
                         ttl: int | None, asker: Asker | None) -> None:  # fmt: skip
        try:
            if not await self.ledger.claim_audit(match.entry.id, limit=self.max_per_entry, ttl=ttl):
                return
            answer = await self._ask(request)
            if store_refusal(answer, max_chars=self.max_chars) is not None:
                return  # an error, refusal or cut answer says nothing about the stored one
            verdict = await self.judge.judge(match.entry.response, answer.text)
        except SemcacheError as e:
            log.info("audit skipped: %s", e.message)
            return
        prompt_tokens = answer.prompt_tokens or count_messages([m.model_dump() for m in request.messages])
        completion_tokens = answer.completion_tokens or count_text(answer.text)
        model = request.model or self.llm.model
        spent = cost_usd(prompt_tokens, completion_tokens, price_for(model, dict(self.prices)))
        tokens = prompt_tokens + completion_tokens
        now = time.time()
        await self._settle(
            Verdict("audit", verdict.same, tenant, namespace, now, match.similarity, verdict.score, spent, tokens),
            match,
            asker,
        )

    async def _ask(self, request: ChatRequest) -> Answer:
        stream = SharedStream(self.llm.stream(request).__aiter__()).start()
        try:
            async for _ in stream.chunks():
                pass
        except LLMError:
            pass  # the answer carries the error; _audit drops it
        return stream.answer

    async def _compare(self, nearest: Candidate, fresh: str, *, tenant: str, namespace: str,
                       asker: Asker | None) -> None:  # fmt: skip
        try:
            verdict = await self.judge.judge(nearest.entry.response, fresh)
        except SemcacheError as e:
            log.info("miss comparison skipped: %s", e.message)
            return
        now = time.time()
        await self._settle(
            Verdict("miss", verdict.same, tenant, namespace, now, nearest.similarity, verdict.score), nearest, asker
        )

    async def _settle(self, verdict: Verdict, candidate: Candidate, asker: Asker | None = None) -> None:
        """Count the verdict, teach the entry's bound, keep a right one's query as an alias, and re-check the
        namespace against CACHE_MAX_ERROR."""
        self.observe(verdict)
        await self.ledger.record(verdict)
        try:
            await feedback.record(
                self.entries, candidate.entry.id, correct=verdict.correct, similarity=candidate.similarity
            )
        except SemcacheError as e:
            log.warning("verdict not taught to entry: %s", e.message)
        if verdict.correct and asker is not None:
            await self._promote(candidate, asker)
        if verdict.kind == "audit":
            await self._check(verdict.tenant)

    async def _learn(self, tenant: str, namespace: str, audited: Rate) -> None:
        if self.thresholds is None:
            return
        try:
            moved = await self.thresholds.learn(tenant, namespace, audited.judged, audited.wrong)
        except SemcacheError as e:
            log.info("threshold not learned: %s", e.message)
            return
        if moved is not None:
            log.info("tenant %r namespace %r: similarity threshold now %.3f (%d audits, %d wrong)", tenant,
                     namespace, moved.similarity, audited.judged, audited.wrong)  # fmt: skip

    async def _promote(self, candidate: Candidate, asker: Asker) -> None:
        """The query becomes an alias of the entry it was judged to share an answer with: never across a
        scope (the KNN that found the entry already filtered by it; this holds it if that ever changes)."""
        if self.aliases is None or dict(asker.scope) != candidate.entry.scope:
            return
        try:
            await self.aliases.add_alias(candidate.entry.id, asker.prompt, asker.vector, asker.scope)
        except SemcacheError as e:
            log.info("alias not kept: %s", e.message)

    async def _check(self, tenant: str) -> None:
        if self.max_error is None:
            return
        try:
            counts = await self.ledger.counters(tenant)
        except SemcacheError:
            return
        for namespace, by_kind in rates(counts).items():
            audited = by_kind.get("audit")
            if audited is not None and namespace != "*":
                await self._learn(tenant, namespace, audited)
            key = f"{tenant}/{namespace}"
            if audited is not None and audited.above(self.max_error):
                if key not in self.alerts:
                    log.warning(
                        "wrong-answer rate of tenant %r namespace %r: %.1f%% (95%% interval %.1f%%-%.1f%%, %d "
                        "audits) may exceed CACHE_MAX_ERROR %.1f%%", tenant, namespace, 100 * audited.estimate,
                        100 * audited.low, 100 * audited.high, audited.judged, 100 * self.max_error,
                    )  # fmt: skip
                    await self.ledger.alert(tenant=tenant, namespace=namespace, estimate=audited.estimate,
                                            high=audited.high, judged=audited.judged)  # fmt: skip
                self.alerts[key] = audited
            else:
                self.alerts.pop(key, None)


def _asker(key: str | None, scope: Mapping[str, str] | None, lookup: Lookup) -> Asker | None:
    if key is None or scope is None or lookup.vector is None:
        return None
    return Asker(key, scope, lookup.vector)
