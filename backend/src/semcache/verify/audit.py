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

from semcache.cache.base import Verdicts
from semcache.cache.models import Candidate
from semcache.cache.policy import store_refusal
from semcache.cache.semantic import Lookup
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

__all__ = ["MAX_IN_FLIGHT", "Auditor", "Ledger"]

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


@dataclass
class Auditor:
    llm: LLM
    judge: AnswerJudge
    ledger: Ledger
    entries: Verdicts
    prices: Mapping[str, Price]
    rate: float
    max_per_entry: int
    max_error: float | None = None
    compare_misses: bool = True
    max_chars: int = 200_000
    draw: Callable[[], float] = random.random
    #: Told of every verdict (Prometheus); must not raise.
    observe: Callable[[Verdict], None] = lambda _: None
    #: Namespaces whose audited wrong rate's upper end is above CACHE_MAX_ERROR, as last computed.
    alerts: dict[str, Rate] = field(default_factory=dict)
    in_flight: int = 0

    def on_hit(self, request: ChatRequest, lookup: Lookup, *, tenant: str, namespace: str,
               ttl: int | None) -> Job | None:  # fmt: skip
        """The audit of this hit to run in the background, or None (not drawn, not semantic, off)."""
        match = lookup.match
        if self.rate <= 0 or match is None or lookup.source != "semantic" or self.draw() >= self.rate:
            return None
        if self.in_flight >= MAX_IN_FLIGHT:
            return None
        self.in_flight += 1  # taken here, synchronously, so a burst of hits cannot all pass the check
        return self._audit(request, match, tenant=tenant, namespace=namespace, ttl=ttl)

    def on_miss(self, answer: Answer, lookup: Lookup | None, *, tenant: str, namespace: str) -> Job | None:
        """A comparison of the miss's answer with the refused nearest candidate, or None."""
        if not self.compare_misses or lookup is None or lookup.hit or not lookup.candidates:
            return None
        nearest = lookup.candidates[0]
        if nearest.distance > lookup.distance_threshold or store_refusal(answer, max_chars=self.max_chars):
            return None
        return self._compare(nearest, answer.text, tenant=tenant, namespace=namespace)

    async def _audit(self, request: ChatRequest, match: Candidate, *, tenant: str, namespace: str,
                     ttl: int | None) -> None:  # fmt: skip
        try:
            await self._audit_one(request, match, tenant=tenant, namespace=namespace, ttl=ttl)
        finally:
            self.in_flight -= 1

    async def _audit_one(self, request: ChatRequest, match: Candidate, *, tenant: str, namespace: str,
                         ttl: int | None) -> None:  # fmt: skip
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
        )

    async def _ask(self, request: ChatRequest) -> Answer:
        stream = SharedStream(self.llm.stream(request).__aiter__()).start()
        try:
            async for _ in stream.chunks():
                pass
        except LLMError:
            pass  # the answer carries the error; _audit drops it
        return stream.answer

    async def _compare(self, nearest: Candidate, fresh: str, *, tenant: str, namespace: str) -> None:
        try:
            verdict = await self.judge.judge(nearest.entry.response, fresh)
        except SemcacheError as e:
            log.info("miss comparison skipped: %s", e.message)
            return
        now = time.time()
        await self._settle(
            Verdict("miss", verdict.same, tenant, namespace, now, nearest.similarity, verdict.score), nearest
        )

    async def _settle(self, verdict: Verdict, candidate: Candidate) -> None:
        """Count the verdict, teach the entry's bound, and re-check the namespace against CACHE_MAX_ERROR."""
        self.observe(verdict)
        await self.ledger.record(verdict)
        try:
            await feedback.record(
                self.entries, candidate.entry.id, correct=verdict.correct, similarity=candidate.similarity
            )
        except SemcacheError as e:
            log.warning("verdict not taught to entry: %s", e.message)
        if verdict.kind == "audit":
            await self._check(verdict.tenant)

    async def _check(self, tenant: str) -> None:
        if self.max_error is None:
            return
        try:
            counts = await self.ledger.counters(tenant)
        except SemcacheError:
            return
        for namespace, by_kind in rates(counts).items():
            audited = by_kind.get("audit")
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
