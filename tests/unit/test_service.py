"""The service's flow against in-memory fakes of the cache Protocols and a scripted LLM: miss then hit,
single flight, a leader that fails, Redis down, what is (not) stored, and /ask's two columns."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from semcache.cache.availability import CacheGate
from semcache.config import Settings
from semcache.controls import Controls
from semcache.errors import LLMError, LLMTimeoutError
from semcache.events import CacheTarget, ColumnDone, ColumnEvent, Delta, GatewayAnswer
from semcache.flight import SingleFlight
from semcache.normalize import KeyPlan, Scope
from semcache.result import ColumnResult
from semcache.schemas.openai import ChatMessage, ChatRequest
from semcache.service import CompletionService
from tests.support.fakes import ListTelemetry, MemoryCache, MemoryIndex, MemoryLocks, Outage, ScriptedLLM

PROMPT = "What is the capital of France?"


class Rig:
    def __init__(self, llm: ScriptedLLM | None = None) -> None:
        self.outage = Outage()
        self.llm = llm or ScriptedLLM()
        self.cache = MemoryCache(self.outage)
        self.telemetry = ListTelemetry()
        self.service = CompletionService(
            cache=self.cache,
            gate=CacheGate([MemoryIndex(self.outage)], retry_after_s=0),
            llm=self.llm,
            settings=Settings(_env_file=None),
            telemetry=self.telemetry,
            prices={},
            flights=SingleFlight(MemoryLocks(self.outage), lock_ttl_s=5),
        )

    async def ask(
        self, prompt: str = PROMPT, controls: Controls | None = None
    ) -> tuple[GatewayAnswer, str, ColumnResult]:
        request = ChatRequest(messages=[ChatMessage(role="user", content=prompt)])
        target = CacheTarget(KeyPlan(prompt), Scope(tenant="t1", model="fake-model"))
        answer = await self.service.gateway(request, target, controls or Controls())
        return answer, *await read(answer.events())


async def read(events: AsyncIterator[ColumnEvent]) -> tuple[str, ColumnResult]:
    text, result = "", None
    async for event in events:
        if isinstance(event, Delta):
            text += event.text
        elif isinstance(event, ColumnDone):
            result = event.result
    assert result is not None
    return text, result


async def test_a_miss_is_answered_upstream_and_stored_then_served_from_the_cache() -> None:
    rig = Rig()
    first, text, miss = await rig.ask()
    await rig.service.drain()
    assert first.document.status == "miss" and not first.replayed
    assert (miss.status, miss.stored, text.strip()) == ("miss", True, rig.llm.answer)
    second, replayed, hit = await rig.ask()
    await rig.service.drain()
    assert second.replayed and (hit.status, hit.source, replayed) == ("hit", "exact", text)
    assert hit.tokens_saved > 0 and rig.llm.calls == 1
    assert [(e.path, e.status, e.tenant) for e in rig.telemetry.events] == [
        ("gateway", "miss", "t1"),
        ("gateway", "hit", "t1"),
    ]


async def test_identical_concurrent_misses_make_one_upstream_call() -> None:
    rig = Rig()
    rig.llm.hold = asyncio.Event()
    asks = [asyncio.create_task(rig.ask()) for _ in range(3)]
    await asyncio.sleep(0.01)
    rig.llm.hold.set()
    results = [r for _, _, r in await asyncio.gather(*asks)]
    await rig.service.drain()
    assert rig.llm.calls == 1
    followers = [r for r in results if r.reason and r.reason.startswith("single flight")]
    assert len(followers) == 2 and all(r.tokens_saved > 0 and r.cost_usd == 0 for r in followers)
    assert sum(r.stored for r in results) == 1


async def test_followers_of_a_leader_that_failed_early_try_on_their_own() -> None:
    rig = Rig()
    rig.llm.fail = [LLMTimeoutError("upstream timed out")]
    rig.llm.hold = asyncio.Event()
    asks = [asyncio.create_task(rig.ask()) for _ in range(2)]
    await asyncio.sleep(0.01)
    rig.llm.hold.set()
    (lead, _, led), (follow, text, followed) = await asyncio.gather(*asks)
    await rig.service.drain()
    assert lead.error is not None and lead.error.code == "llm_timeout" and lead.error.http_status == 504
    assert led.status == "error" and not led.stored
    assert follow.error is None and followed.status == "miss" and text.strip() == rig.llm.answer
    assert rig.llm.calls == 2


async def test_with_redis_down_the_answer_is_served_and_nothing_is_stored() -> None:
    rig = Rig()
    rig.outage.down = True
    answer, text, result = await rig.ask()
    await rig.service.drain()
    assert answer.document.status == "bypass" and result.status == "bypass"
    assert result.reason is not None and result.reason.startswith("cache unavailable")
    assert text.strip() == rig.llm.answer and not result.stored
    rig.outage.down = False
    assert rig.cache.entries == {}, "no write is queued against a cache that was down"


async def test_errors_and_refusals_are_never_stored() -> None:
    rig = Rig(ScriptedLLM("I'm sorry, but I can't help with that."))
    _, _, refused = await rig.ask()
    rig.llm.fail = [LLMError("upstream broke")]
    failed, _, broken = await rig.ask("another question")
    await rig.service.drain()
    assert refused.reason == "not stored: the LLM refused" and not refused.stored
    assert failed.error is not None and (failed.error.code, failed.error.http_status) == ("llm_error", 502)
    assert broken.status == "error" and rig.cache.entries == {}
    assert [e.error for e in rig.telemetry.events] == ["", "llm_error"]


async def test_no_cache_skips_the_lookup_and_no_store_skips_the_store() -> None:
    rig = Rig()
    _, _, skipped = await rig.ask(controls=Controls(no_cache=True))
    await rig.service.drain()
    assert skipped.status == "bypass" and skipped.stored
    _, _, not_stored = await rig.ask("something else", controls=Controls(no_store=True))
    await rig.service.drain()
    assert not_stored.status == "miss" and not not_stored.stored and len(rig.cache.entries) == 1


async def test_both_columns_share_one_upstream_call_on_a_miss() -> None:
    rig = Rig()
    request = ChatRequest(messages=[ChatMessage(role="user", content=PROMPT)])
    target = CacheTarget(KeyPlan(PROMPT), Scope(tenant="t1"))
    done = [e.result async for e in rig.service.both_columns(request, target, Controls()) if isinstance(e, ColumnDone)]
    await rig.service.drain()
    by_column = {r.column: r for r in done}
    assert (by_column["raw"].status, by_column["cache"].status) == ("ok", "miss")
    assert by_column["raw"].text == by_column["cache"].text and rig.llm.calls == 1
    assert sorted(e.path for e in rig.telemetry.events) == ["cache", "raw"]
