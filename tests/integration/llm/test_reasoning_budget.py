"""A GPT-5 class upstream spends hidden reasoning tokens out of max_completion_tokens (tests/support/upstream
does it the way Azure OpenAI does). semcache gives it room for them, refuses at start-up a configuration that
leaves none, and says why when an answer still came back empty."""

from __future__ import annotations

import re

import httpx
import pytest

from semcache.config import Settings
from semcache.errors import LaunchError
from semcache.llm.budget import HEADROOM
from semcache.llm.factory import check_reasoning
from tests.conftest import ServiceFactory
from tests.support.upstream import Upstream

GPT5 = "gpt-5.4-mini"


async def test_a_reasoning_model_answers_within_the_default_budget(
    service_factory: ServiceFactory, upstream: Upstream
) -> None:
    service = service_factory(LLM_MODEL=GPT5)
    async with httpx.AsyncClient(base_url=service.url, timeout=30) as c:
        body = (await c.post("/ask", json={"prompt": "Name a moon of Mars."})).json()
        test = (await c.get("/llm/test")).json()
    assert body["raw"]["text"] == "Answer to: Name a moon of Mars." and body["raw"]["finish_reason"] == "stop"
    assert test["ok"] is True and test["answer"], test
    sent = upstream.state.calls[0]
    # gpt-5.4-mini runs at medium when asked for no effort: the budget has room for it.
    assert sent["max_completion_tokens"] == 256 + HEADROOM["medium"] and "max_tokens" not in sent


async def test_the_old_budget_left_no_room_for_the_answer(upstream: Upstream) -> None:
    # What the service used to send: max_tokens renamed as it was. The loopback's reasoning eats all of it.
    async with httpx.AsyncClient(base_url=upstream.url, timeout=30) as c:
        r = await c.post(
            "/chat/completions",
            json={"model": GPT5, "messages": [{"role": "user", "content": "Hi"}], "max_completion_tokens": 256},
        )
    choice, usage = r.json()["choices"][0], r.json()["usage"]
    assert choice["message"]["content"] == "" and choice["finish_reason"] == "length"
    assert usage["completion_tokens_details"]["reasoning_tokens"] == 256


async def test_an_answer_emptied_by_reasoning_says_so(service_factory: ServiceFactory, upstream: Upstream) -> None:
    upstream.state.spend["low"] = 50_000  # the model thinks far longer than any budget allows
    service = service_factory(LLM_MODEL=GPT5, LLM_REASONING_EFFORT="low")
    async with httpx.AsyncClient(base_url=service.url, timeout=30) as c:
        body = (await c.post("/ask", json={"prompt": "Prove the Riemann hypothesis."})).json()
        test = (await c.get("/llm/test")).json()
    assert body["raw"]["text"] == "" and body["raw"]["finish_reason"] == "length"
    reason = body["cache"]["reason"]
    assert reason.startswith("not stored: empty answer: the model spent all") and "reasoning" in reason, reason
    assert "LLM_REASONING_BUDGET" in reason and "LLM_REASONING_EFFORT" in reason
    assert test["ok"] is False and "hidden reasoning" in test["error"]["message"], test


async def test_an_effort_the_model_rejects_is_what_the_upstream_refuses(upstream: Upstream) -> None:
    # The loopback refuses what the real gpt-5.4-mini refuses; the service never gets that far (below).
    async with httpx.AsyncClient(base_url=upstream.url, timeout=30) as c:
        r = await c.post(
            "/chat/completions",
            json={"model": GPT5, "messages": [{"role": "user", "content": "Hi"}], "reasoning_effort": "none"},
        )
    assert r.status_code == 400 and r.json()["error"]["param"] == "reasoning_effort"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LLM_REASONING_EFFORT": "none"}, "LLM_REASONING_EFFORT=none is not accepted by gpt-5.4-mini"),
        ({"LLM_REASONING_EFFORT": "xhigh"}, "LLM_REASONING_EFFORT=xhigh is not accepted"),
        ({"LLM_REASONING_EFFORT": "low", "LLM_REASONING_BUDGET": 0}, "leaves no room for an answer"),
        ({"LLM_MAX_TOKENS": 5}, "LLM_MAX_TOKENS=5 leaves no room"),
    ],
)
def test_start_up_refuses_a_reasoning_configuration_without_room(env: dict[str, object], message: str) -> None:
    settings = Settings(_env_file=None, LLM_PROVIDER="azure", AZURE_OPENAI_GPT5_MODEL="chat", **env)  # type: ignore[arg-type]
    with pytest.raises(LaunchError, match=re.escape(message)):
        check_reasoning(settings, GPT5, hint=True)


def test_classic_models_are_not_checked() -> None:
    settings = Settings(_env_file=None, LLM_REASONING_EFFORT="none", LLM_MAX_TOKENS=5)
    check_reasoning(settings, "gpt-4o-mini", hint=False)
