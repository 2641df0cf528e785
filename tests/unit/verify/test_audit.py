"""verify/audit.py's decisions and bookkeeping, against in-memory doubles of its Protocols."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import replace

import numpy as np
import pytest

from semcache.cache.models import Candidate, Entry
from semcache.cache.semantic import Lookup
from semcache.embeddings.base import Vector
from semcache.errors import LLMError
from semcache.llm.shared import Answer
from semcache.schemas.openai import ChatMessage, ChatRequest
from semcache.telemetry.verdicts import Verdict
from semcache.token_prices import Price
from semcache.verify.audit import MAX_IN_FLIGHT, Auditor
from semcache.verify.judge import Judgement
from tests.support.fakes import MemoryLedger, MemoryVerdicts, ScriptedLLM

STORED = "Paris is the capital of France."
REQUEST = ChatRequest(messages=[ChatMessage(role="user", content="Which city is France's capital?")])


class SameText:
    """A judge: the same answer when the words match."""

    async def judge(self, stored: str, fresh: str) -> Judgement:
        same = stored.split() == fresh.split()
        return Judgement(same, 1.0 if same else 0.0)


def _lookup(*, source: str = "semantic", hit: bool = True, similarity: float = 0.95) -> Lookup:
    entry = Entry("e1", "What is the capital of France?", "what is the capital of france", STORED, {}, 0.0)
    candidate = Candidate(entry, 1.0 - similarity)
    return Lookup(hit, source if hit else None, candidate if hit else None, [candidate], 0.1)  # type: ignore[arg-type]


Built = tuple[Auditor, MemoryLedger, MemoryVerdicts]


def _auditor(llm: ScriptedLLM, *, rate: float = 1.0, draws: float = 0.0, max_error: float | None = None,
             observe: Callable[[Verdict], None] = lambda _: None) -> Built:  # fmt: skip
    ledger, entries = MemoryLedger(), MemoryVerdicts()
    entries.states["e1"] = {"right": 0, "wrong": 0}
    auditor = Auditor(llm=llm, judge=SameText(), ledger=ledger, entries=entries, prices={"fake-model": Price(1.0, 2.0)},
                      rate=rate, max_per_entry=2, draw=itertools.repeat(draws).__next__, max_error=max_error,
                      observe=observe)  # fmt: skip
    return auditor, ledger, entries


@pytest.mark.parametrize(
    ("rate", "draw", "lookup"),
    [(0.0, 0.0, _lookup()), (0.5, 0.5, _lookup()), (1.0, 0.0, _lookup(source="exact")), (1.0, 0.0, _lookup(hit=False))],
)
def test_no_audit_when_off_not_drawn_exact_or_a_miss(rate: float, draw: float, lookup: Lookup) -> None:
    auditor, _, _ = _auditor(ScriptedLLM(STORED), rate=rate, draws=draw)
    assert auditor.on_hit(REQUEST, lookup, tenant="t", namespace="", ttl=None) is None


async def test_an_audit_judges_the_fresh_answer_prices_it_and_teaches_the_entry() -> None:
    llm = ScriptedLLM("Paris is the capital of France.")
    seen: list[Verdict] = []
    auditor, ledger, entries = _auditor(llm, observe=seen.append)
    for _ in range(3):
        job = auditor.on_hit(REQUEST, _lookup(), tenant="t", namespace="ns", ttl=60)
        assert job is not None
        await job
    assert llm.calls == 2  # the third hit found the entry's budget (2) spent
    assert [v.correct for v in ledger.verdicts] == [True, True] and seen == ledger.verdicts
    v = ledger.verdicts[0]
    assert (v.kind, v.tenant, v.namespace) == ("audit", "t", "ns") and v.similarity == pytest.approx(0.95)
    assert v.cost_usd > 0 and v.tokens > 0
    assert entries.states["e1"]["right"] == 2


async def test_a_failed_or_refused_fresh_answer_is_not_judged() -> None:
    llm = ScriptedLLM("I'm sorry, but I can't help with that.")
    auditor, ledger, entries = _auditor(llm)
    await auditor.on_hit(REQUEST, _lookup(), tenant="t", namespace="", ttl=None)  # type: ignore[misc]
    llm.fail.append(LLMError("upstream down"))
    await auditor.on_hit(REQUEST, _lookup(), tenant="t", namespace="", ttl=None)  # type: ignore[misc]
    assert llm.calls == 2 and ledger.verdicts == [] and entries.states["e1"] == {"right": 0, "wrong": 0}


async def test_a_refused_close_candidate_is_compared_on_the_miss_without_a_call() -> None:
    llm = ScriptedLLM()
    auditor, ledger, entries = _auditor(llm, rate=0.0)
    answer = Answer(text="Berlin is the capital of Germany.", finish_reason="stop")
    job = auditor.on_miss(answer, _lookup(hit=False, similarity=0.92), tenant="t", namespace="")
    assert job is not None
    await job
    assert llm.calls == 0 and [(v.kind, v.correct) for v in ledger.verdicts] == [("miss", False)]
    assert entries.states["e1"]["wrong"] == 1
    # Beyond the threshold (distance 0.2 > 0.1), or an incomplete answer: nothing to compare.
    assert auditor.on_miss(answer, _lookup(hit=False, similarity=0.8), tenant="t", namespace="") is None
    cut = Answer(text="Berlin", finish_reason="length")
    assert auditor.on_miss(cut, _lookup(hit=False, similarity=0.92), tenant="t", namespace="") is None


async def test_a_namespace_is_flagged_once_its_interval_crosses_the_bound() -> None:
    llm = ScriptedLLM("Lyon.")
    auditor, ledger, _ = _auditor(llm, max_error=0.05)
    auditor.max_per_entry = 100
    for i in range(25):
        await auditor.on_hit(REQUEST, _lookup(), tenant="t", namespace="geo", ttl=None)  # type: ignore[misc]
        assert bool(auditor.alerts) == (i + 1 >= 20)
    assert set(auditor.alerts) == {"t/geo", "t/*"}
    assert sorted(ledger.alerts) == [("t", "*"), ("t", "geo")]  # each once


async def test_audits_never_pile_up_behind_a_slow_upstream() -> None:
    auditor, _, _ = _auditor(ScriptedLLM(STORED))
    auditor.max_per_entry = 100
    jobs = [auditor.on_hit(REQUEST, _lookup(), tenant="t", namespace="", ttl=None) for _ in range(MAX_IN_FLIGHT + 1)]
    assert jobs[-1] is None and all(j is not None for j in jobs[:-1])
    for job in jobs[:-1]:
        await job  # type: ignore[misc]
    assert auditor.in_flight == 0
    again = auditor.on_hit(REQUEST, _lookup(), tenant="t", namespace="", ttl=None)
    assert again is not None
    await again


class MemoryAliases:
    def __init__(self) -> None:
        self.kept: list[tuple[str, str, dict[str, str]]] = []

    async def add_alias(self, entry_id: str, prompt: str, vector: Vector, scope: Mapping[str, str]) -> bool:
        self.kept.append((entry_id, prompt, dict(scope)))
        return True


def _scoped_lookup(*, hit: bool, similarity: float, scope: dict[str, str]) -> Lookup:
    lookup = _lookup(hit=hit, similarity=similarity)
    entry = replace(lookup.candidates[0].entry, scope=scope)
    candidate = Candidate(entry, 1.0 - similarity)
    return replace(lookup, match=candidate if hit else None, candidates=[candidate], vector=np.ones(4, np.float32))


async def test_a_right_verdict_keeps_the_query_as_an_alias_in_the_entry_scope_only() -> None:
    scope = {"tenant": "t", "namespace": "ns"}
    auditor, _, _ = _auditor(ScriptedLLM(STORED))
    auditor.aliases = aliases = MemoryAliases()
    job = auditor.on_hit(REQUEST, _scoped_lookup(hit=True, similarity=0.9, scope=scope), tenant="t",
                         namespace="ns", ttl=60, key="capital of france?", scope=scope)  # fmt: skip
    assert job is not None
    await job
    assert aliases.kept == [("e1", "capital of france?", scope)]
    # A miss whose fresh answer matches the refused candidate: the same; a mismatch or another scope: nothing.
    same = Answer(text=STORED, finish_reason="stop")
    other = Answer(text="Berlin is the capital of Germany.", finish_reason="stop")
    for answer, asked_in in ((same, scope), (other, scope), (same, {"tenant": "u", "namespace": "ns"})):
        lookup = _scoped_lookup(hit=False, similarity=0.95, scope=scope)
        job = auditor.on_miss(answer, lookup, tenant="t", namespace="ns", key="france's capital", scope=asked_in)
        assert job is not None
        await job
    assert aliases.kept[1:] == [("e1", "france's capital", scope)]


def test_a_namespace_rate_overrides_the_default() -> None:
    auditor, _, _ = _auditor(ScriptedLLM(STORED), rate=0.0, draws=0.5)
    auditor.rates = {"support": 0.9}
    assert auditor.on_hit(REQUEST, _lookup(), tenant="t", namespace="other", ttl=None) is None
    job = auditor.on_hit(REQUEST, _lookup(), tenant="t", namespace="support", ttl=None)
    assert job is not None
    job.close()
