"""Issue 29: litellm (as a client) and the OpenAI Agents SDK, pointed at /v1 as a user would, get answers,
streams and cache hits (MISS -> HIT-EXACT -> HIT-SEMANTIC on the gateway's headers)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import litellm
import pytest
from agents import Agent, OpenAIChatCompletionsModel, OpenAIResponsesModel, Runner, set_tracing_disabled
from openai import AsyncOpenAI, DefaultAsyncHttpxClient

from tests.support.live import LiveServer
from tests.support.paraphrases import FRANCE_PARAPHRASE
from tests.support.upstream import Upstream
from tests.support.wait import drained

Q = "What is the capital of France?"

#: litellm builds a pydantic adapter of a TypedDict with ReadOnly items on its first call; pydantic warns
#: that it cannot enforce ReadOnly (a note about litellm's types, not about anything this suite checks).
pytestmark = pytest.mark.filterwarnings("ignore:.*using the `ReadOnly` qualifier:UserWarning")


@pytest.fixture
async def recorded(service: LiveServer) -> AsyncIterator[tuple[AsyncOpenAI, list[str]]]:
    """An openai client whose responses' x-semcache-status values are recorded (the libraries hide headers)."""
    statuses: list[str] = []

    async def record(response: httpx.Response) -> None:
        statuses.append(response.headers.get("x-semcache-status", ""))

    async with (
        DefaultAsyncHttpxClient(event_hooks={"response": [record]}) as http,
        AsyncOpenAI(base_url=service.url + "/v1", api_key="any", max_retries=0, http_client=http) as client,
    ):
        yield client, statuses


async def test_litellm_chat_and_stream_go_miss_then_exact_then_semantic(
    service: LiveServer, upstream: Upstream
) -> None:
    upstream.state.answers[Q] = "Paris."
    kwargs = {"model": "openai/m", "api_base": service.url + "/v1", "api_key": "any", "num_retries": 0}
    first = await litellm.acompletion(messages=[{"role": "user", "content": Q}], **kwargs)
    assert first.choices[0].message.content == "Paris."
    await drained(service)
    stream = await litellm.acompletion(messages=[{"role": "user", "content": Q}], stream=True, **kwargs)
    text = "".join([chunk.choices[0].delta.content or "" async for chunk in stream])
    assert text == "Paris."
    paraphrase = await litellm.acompletion(messages=[{"role": "user", "content": FRANCE_PARAPHRASE}], **kwargs)
    assert paraphrase.choices[0].message.content == "Paris."
    assert upstream.state.calls_for(Q) == 1 and upstream.state.calls_for(FRANCE_PARAPHRASE) == 0


async def test_agents_sdk_on_chat_completions_is_cached(
    service: LiveServer, upstream: Upstream, recorded: tuple[AsyncOpenAI, list[str]]
) -> None:
    set_tracing_disabled(True)  # traces would go to OpenAI's servers
    client, statuses = recorded
    upstream.state.answers[Q] = "Paris."
    agent = Agent(
        name="geo", instructions="Be brief.", model=OpenAIChatCompletionsModel(model="m", openai_client=client)
    )
    assert (await Runner.run(agent, Q)).final_output == "Paris."
    await drained(service)
    assert (await Runner.run(agent, Q)).final_output == "Paris."
    assert (await Runner.run(agent, FRANCE_PARAPHRASE)).final_output == "Paris."
    assert statuses == ["MISS", "HIT-EXACT", "HIT-SEMANTIC"]


async def test_agents_sdk_on_responses_is_cached(
    service: LiveServer, upstream: Upstream, recorded: tuple[AsyncOpenAI, list[str]]
) -> None:
    set_tracing_disabled(True)
    client, statuses = recorded
    upstream.state.answers[Q] = "Paris."
    agent = Agent(name="geo", instructions="Be brief.", model=OpenAIResponsesModel(model="m", openai_client=client))
    assert (await Runner.run(agent, Q)).final_output == "Paris."
    await drained(service)
    assert (await Runner.run(agent, Q)).final_output == "Paris."
    assert (await Runner.run(agent, FRANCE_PARAPHRASE)).final_output == "Paris."
    assert statuses == ["MISS", "HIT-EXACT", "HIT-SEMANTIC"]
