"""The Azure path end to end: AsyncAzureOpenAI (the real SDK) from semcache to a loopback server that speaks
Azure OpenAI's URLs, keys and 400s, for a GPT-5 class and a 4o class deployment."""

from __future__ import annotations

import httpx
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionMessageParam

from tests.integration.azure.azure_openai import AzureOpenAIServer
from tests.integration.azure.conftest import GPT4O, GPT5, HIDDEN_GPT5, AzureServiceFactory
from tests.support.sse import collect
from tests.support.wait import drained

ASK_PATHS = ("/ask", "/ask/stream", "/llm/test")


def user(text: str) -> list[ChatCompletionMessageParam]:
    return [{"role": "user", "content": text}]


async def _exercise(url: str, prompt: str) -> None:
    """/ask, /ask/stream, /llm/test and the gateway (plain and streaming), each expected to succeed."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as c:
        r = await c.post("/ask", json={"prompt": prompt})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["raw"]["text"] == f"Answer to: {prompt}", body
        evs = await collect(c, "/ask/stream", {"prompt": prompt + " (stream)"})
        done = [e.data for e in evs if e.name == "column_complete"]
        assert {d["column"]: d["status"] for d in done}["raw"] == "ok", done
        test = (await c.get("/llm/test")).json()
        assert test["ok"] is True and test["provider"] == "azure", test
    async with AsyncOpenAI(base_url=url + "/v1", api_key="any", max_retries=0) as gateway:
        plain = await gateway.chat.completions.create(model="m", messages=user(prompt + " (gateway)"), max_tokens=50)
        assert plain.choices[0].message.content == f"Answer to: {prompt} (gateway)"
        stream = await gateway.chat.completions.create(
            model="m", messages=user(prompt + " (gateway stream)"), stream=True, temperature=0
        )
        text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        assert text == f"Answer to: {prompt} (gateway stream)"


async def test_gpt5_deployment_gets_gpt5_parameters(
    azure_service: AzureServiceFactory, azure_server: AzureOpenAIServer
) -> None:
    service = azure_service(AZURE_OPENAI_CHAT_MODEL=GPT5)
    await _exercise(service.url, "Which planet is largest?")
    calls = azure_server.state.chat_calls(GPT5)
    assert len(calls) == 5 and not azure_server.state.rejected  # nothing had to be retried
    for body in calls:
        assert "max_tokens" not in body and "temperature" not in body, body
    # /ask, /ask/stream (LLM_MAX_TOKENS), /llm/test (5) and the plain gateway call (50) set a limit.
    assert sorted(int(str(b.get("max_completion_tokens", 0))) for b in calls) == [0, 5, 50, 256, 256]
    assert azure_server.state.api_versions == {"2025-04-01-preview"}
    assert set(azure_server.state.auth) == {"key"}


async def test_gpt5_hint_covers_a_deployment_name_that_hides_the_model(
    azure_service: AzureServiceFactory, azure_server: AzureOpenAIServer
) -> None:
    service = azure_service(AZURE_OPENAI_GPT5_MODEL=HIDDEN_GPT5, LLM_REASONING_EFFORT="low")
    await _exercise(service.url, "Name a noble gas.")
    calls = azure_server.state.chat_calls(HIDDEN_GPT5)
    assert calls and not azure_server.state.rejected
    assert all(body["reasoning_effort"] == "low" and "max_tokens" not in body for body in calls)


async def test_without_a_hint_the_first_400_teaches_the_client_once(
    azure_service: AzureServiceFactory, azure_server: AzureOpenAIServer
) -> None:
    service = azure_service(AZURE_OPENAI_CHAT_MODEL=HIDDEN_GPT5)
    await _exercise(service.url, "Name a prime number.")
    # One 400 (the real max_tokens body), one retry; every later call went out translated.
    assert len(azure_server.state.rejected) == 1 and "max_tokens" in azure_server.state.rejected[0]
    assert len(azure_server.state.chat_calls(HIDDEN_GPT5)) == 6


async def test_4o_deployment_keeps_classic_parameters(
    azure_service: AzureServiceFactory, azure_server: AzureOpenAIServer
) -> None:
    service = azure_service(AZURE_OPENAI_CHAT_MODEL=GPT4O, LLM_REASONING_EFFORT="low")
    await _exercise(service.url, "What colour is the sky?")
    calls = azure_server.state.chat_calls(GPT4O)
    assert len(calls) == 5 and not azure_server.state.rejected
    ask = calls[0]
    assert ask["max_tokens"] == 256 and ask["temperature"] == 0 and "reasoning_effort" not in ask


async def test_a_genuinely_bad_request_still_comes_back_as_a_4xx(
    azure_service: AzureServiceFactory, azure_server: AzureOpenAIServer
) -> None:
    # reasoning_effort on a 4o deployment is the caller's own mistake: no retry, a clear 400 with JSON.
    service = azure_service(AZURE_OPENAI_CHAT_MODEL=GPT4O)
    async with httpx.AsyncClient(base_url=service.url, timeout=30) as c:
        body = {"model": "m", "messages": [{"role": "user", "content": "Be brief."}], "reasoning_effort": "low"}
        r = await c.post("/v1/chat/completions", json=body)
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/json")
    assert len(azure_server.state.rejected) == 1


async def test_embeddings_go_to_the_embeddings_deployment_with_dimensions(
    azure_service: AzureServiceFactory, azure_server: AzureOpenAIServer
) -> None:
    service = azure_service(AZURE_OPENAI_CHAT_MODEL=GPT4O)
    async with httpx.AsyncClient(base_url=service.url, timeout=30) as c:
        first = (await c.post("/ask", json={"prompt": "How many legs has a spider?"})).json()
        assert first["cache"]["status"] == "miss"
        await drained(service)  # the store runs after the response
        again = (await c.post("/ask", json={"prompt": "How many legs has a spider?"})).json()
        assert again["cache"]["status"] == "hit"
    embedded = [body for name, body in azure_server.state.calls if name == "text-embedding-3-small"]
    assert embedded and all(body["dimensions"] == 256 for body in embedded)
