"""Issue 29, first: no client gets a wrong answer marked complete. Overlapping requests to the local model
queue (llama.cpp's server ended the running one when a new one arrived), and a stream that ends without the
upstream's own finish reason is an error, never "stop" or Responses "completed"."""

from __future__ import annotations

import asyncio

import openai
import pytest
from langchain_core.language_models import LanguageModelInput
from langchain_openai import ChatOpenAI
from openai import AsyncOpenAI

from tests.support.live import LiveServer
from tests.support.upstream import Upstream
from tests.support.wait import drained

LIMIT = 40
#: Prompts whose answers run far past LIMIT tokens: a complete answer ends with the upstream's "length".
STORIES = [f"Write a long story about a dragon called {name}." for name in
           ("Amber", "Basil", "Cedar", "Dune", "Ember", "Flint", "Garnet", "Hazel")]  # fmt: skip


async def _stream(client: AsyncOpenAI, prompt: str) -> tuple[str, str | None, int | None]:
    stream = await client.chat.completions.create(
        model="smollm2-135m-instruct",
        messages=[{"role": "user", "content": prompt}],
        max_tokens=LIMIT,
        temperature=0,
        stream=True,
        stream_options={"include_usage": True},
    )
    text, finish, completion = "", None, None
    async for chunk in stream:
        if chunk.choices:
            text += chunk.choices[0].delta.content or ""
            finish = chunk.choices[0].finish_reason or finish
        if chunk.usage is not None:
            completion = chunk.usage.completion_tokens
    return text, finish, completion


@pytest.mark.llm
async def test_eight_overlapping_streams_to_the_local_model_all_end_complete(local_client: AsyncOpenAI) -> None:
    results = await asyncio.gather(*(_stream(local_client, p) for p in STORIES), return_exceptions=True)
    for prompt, result in zip(STORIES, results, strict=True):
        # An explicit error would be allowed; a cut answer marked "stop" never. Queued, none is cut at all.
        assert not isinstance(result, BaseException), f"{prompt}: {result!r}"
        text, finish, completion = result
        assert finish == "length" and completion and text.strip(), (prompt, finish, completion, text)


@pytest.mark.llm
async def test_langchain_batch_on_the_local_model_returns_every_answer(local_service: LiveServer) -> None:
    # The report: batch() of 4 prompts returned three empty strings.
    llm = ChatOpenAI(
        base_url=local_service.url + "/v1", api_key="any", model="smollm2-135m-instruct", max_tokens=LIMIT,
        temperature=0, max_retries=0, timeout=300,
    )  # fmt: skip
    prompts: list[LanguageModelInput] = list(STORIES[:4])
    replies = await llm.abatch(prompts)
    for reply in replies:
        assert reply.response_metadata["finish_reason"] == "length" and str(reply.content).strip()


async def test_a_stream_without_a_finish_reason_is_an_error_not_stop(
    service: LiveServer, aclient: AsyncOpenAI, upstream: Upstream
) -> None:
    prompt = "Tell me about tides [[nofinish]]"
    stream = await aclient.chat.completions.create(
        model="m", messages=[{"role": "user", "content": prompt}], stream=True
    )
    finishes: list[str | None] = []
    with pytest.raises(openai.APIError, match="without a finish reason"):
        async for chunk in stream:
            finishes += [c.finish_reason for c in chunk.choices]
    assert finishes and not any(finishes)
    with pytest.raises(openai.APIStatusError, match="without a finish reason") as caught:
        await aclient.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])
    assert caught.value.status_code == 502
    await drained(service)
    # Never stored: the next asker reaches the upstream again.
    calls = upstream.state.calls_for(prompt)
    with pytest.raises(openai.APIStatusError):
        await aclient.chat.completions.create(model="m", messages=[{"role": "user", "content": prompt}])
    assert upstream.state.calls_for(prompt) == calls + 1


async def test_a_responses_stream_without_a_finish_reason_fails_never_completes(
    service: LiveServer, aclient: AsyncOpenAI
) -> None:
    prompt = "Tell me about waves [[nofinish]]"
    kinds = []
    async with aclient.responses.stream(model="m", input=prompt) as stream:
        async for event in stream:
            kinds.append(event.type)
    assert "response.failed" in kinds and "response.completed" not in kinds
    with pytest.raises(openai.APIStatusError, match="without a finish reason"):
        await aclient.responses.create(model="m", input=prompt)
