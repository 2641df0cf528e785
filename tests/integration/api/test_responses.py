"""The OpenAI Responses API (`POST /v1/responses`), driven by the real openai SDK's `client.responses.create`
against the live service and the loopback upstream."""

from __future__ import annotations

from collections.abc import AsyncIterator

import openai
import pytest
from openai import AsyncOpenAI, AsyncStream

from tests.support.live import LiveServer
from tests.support.upstream import Upstream
from tests.support.wait import drained

Q = "What is the capital of France?"


@pytest.fixture
async def client(service: LiveServer) -> AsyncIterator[AsyncOpenAI]:
    async with AsyncOpenAI(base_url=service.url + "/v1", api_key="any-key", max_retries=0) as c:
        yield c


async def status_of(client: AsyncOpenAI, **kwargs: object) -> str:
    r = await client.responses.with_raw_response.create(**kwargs)  # type: ignore[call-overload]
    return str(r.headers["x-semcache-status"])


async def hits_once_stored(service: LiveServer, client: AsyncOpenAI, **kwargs: object) -> None:
    """The answer is stored after it is sent: once the service has finished its stores, the request hits."""
    await drained(service)
    assert (await status_of(client, **kwargs)).startswith("HIT")


async def test_miss_then_exact_and_semantic_hits(client: AsyncOpenAI, upstream: Upstream, service: LiveServer) -> None:
    upstream.state.answers[Q] = "Paris."
    r = await client.responses.with_raw_response.create(model="gpt-4o-mini", input=Q, instructions="Be brief.")
    miss = r.parse()
    assert r.headers["x-semcache-status"] == "MISS"
    assert miss.output_text == "Paris." and miss.status == "completed" and miss.object == "response"
    assert miss.id.startswith("resp_") and miss.model == "gpt-4o-mini"
    assert miss.usage is not None and miss.usage.output_tokens == 1 and miss.usage.input_tokens == 11
    sent = upstream.state.calls[-1]["messages"]
    assert sent == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": Q},
    ]  # instructions as system
    await hits_once_stored(service, client, model="gpt-4o-mini", input=Q, instructions="Be brief.")
    r = await client.responses.with_raw_response.create(
        model="gpt-4o-mini",
        input=[{"role": "user", "content": [{"type": "input_text", "text": "What is France's capital?"}]}],
        instructions="Be brief.",
    )
    hit = r.parse()
    assert r.headers["x-semcache-status"] == "HIT-SEMANTIC" and float(r.headers["x-semcache-similarity"]) > 0.9
    assert hit.output_text == "Paris." and hit.usage is not None and hit.usage.output_tokens == 1
    assert hit.usage.input_tokens == 11 and r.headers["x-semcache-billed-tokens"] == "0"
    # Other instructions are another scope: a miss, like another system prompt on the chat gateway.
    assert await status_of(client, model="gpt-4o-mini", input=Q, instructions="Answer in French.") == "MISS"
    assert len(upstream.state.calls) == 2


async def test_entries_are_shared_with_chat_completions(
    client: AsyncOpenAI, upstream: Upstream, service: LiveServer
) -> None:
    upstream.state.answers[Q] = "Paris."
    await client.chat.completions.create(model="m", messages=[{"role": "user", "content": Q}])
    await hits_once_stored(service, client, model="m", input=Q)
    assert len(upstream.state.calls) == 1


async def test_streaming_miss_and_hit_emit_the_responses_events(
    client: AsyncOpenAI, upstream: Upstream, service: LiveServer
) -> None:
    upstream.state.answers[Q] = "The capital of France is Paris."
    for expected in ("MISS", "HIT"):
        if expected == "HIT":
            await hits_once_stored(service, client, model="m", input=Q)
        stream = await client.responses.create(model="m", input=Q, stream=True)
        kinds, deltas, final = [], [], None
        async for event in stream:
            kinds.append(event.type)
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
            if event.type == "response.completed":
                final = event.response
        assert kinds[:4] == [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
        ]
        assert kinds[-4:] == [
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed",
        ]
        assert "".join(deltas) == "The capital of France is Paris." and len(deltas) > 1
        assert final is not None and final.output_text == "The capital of France is Paris."
    assert len(upstream.state.calls) == 1


async def test_controls_apply_as_on_chat(client: AsyncOpenAI, upstream: Upstream, service: LiveServer) -> None:
    upstream.state.answers[Q] = "Paris."
    kwargs = {"model": "m", "input": Q}
    assert await status_of(client, **kwargs, extra_headers={"cache-control": "no-store"}) == "MISS"
    await drained(service)  # after this, an answer that was not stored never will be
    assert await status_of(client, **kwargs) == "MISS"
    await hits_once_stored(service, client, **kwargs)
    assert await status_of(client, **kwargs, extra_headers={"cache-control": "no-cache"}) == "BYPASS"
    assert await status_of(client, **kwargs, extra_headers={"x-semcache-namespace": "other"}) == "MISS"
    with pytest.raises(openai.UnprocessableEntityError, match="x-semcache-ttl"):
        await client.responses.create(model="m", input=Q, extra_headers={"x-semcache-ttl": "soon"})


async def test_tools_and_untranslatable_requests_go_to_the_upstream_responses_api(
    client: AsyncOpenAI, upstream: Upstream
) -> None:
    tool = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}}
    r = await client.responses.with_raw_response.create(model="m", input="Weather in Paris?", tools=[tool])  # type: ignore[list-item]
    called = r.parse()
    assert r.headers["x-semcache-status"] == "BYPASS" and "tool" in r.headers["x-semcache-reason"]
    assert called.output[0].type == "function_call" and called.output[0].name == "get_weather"
    stream = await client.responses.create(
        model="m",
        input="Weather in Paris?",
        tools=[tool],  # type: ignore[list-item]  # a plain dict for the FunctionToolParam TypedDict
        stream=True,
    )
    assert isinstance(stream, AsyncStream)  # the ignore above leaves mypy with both overloads' return types
    kinds = [event.type async for event in stream]
    assert kinds == ["response.created", "response.output_item.done", "response.completed"]
    image = {"type": "input_image", "image_url": "data:image/png;base64,AAAA"}
    r = await client.responses.with_raw_response.create(
        model="m",
        input=[{"role": "user", "content": [{"type": "input_text", "text": "What is this?"}, image]}],  # type: ignore[list-item, misc]
    )
    assert r.headers["x-semcache-status"] == "BYPASS" and "non-text" in r.headers["x-semcache-reason"]
    r = await client.responses.with_raw_response.create(model="m", input="Go on.", previous_response_id="resp_1")
    assert r.headers["x-semcache-status"] == "BYPASS"
    assert len(upstream.state.response_calls) == 4 and upstream.state.calls == []
    assert upstream.state.response_calls[0]["tools"] == [tool]
    with pytest.raises(openai.InternalServerError):  # the upstream's own error, passed on
        await client.responses.create(model="m", input="[[status:500]]", tools=[tool])  # type: ignore[list-item]


async def test_upstream_failures_and_bad_input(client: AsyncOpenAI) -> None:
    with pytest.raises(openai.APIStatusError) as failed:
        await client.responses.create(model="m", input="[[status:500]] hello")
    assert failed.value.status_code == 502
    with pytest.raises(openai.RateLimitError):
        await client.responses.create(model="m", input="[[status:429]] hello")
    stream = await client.responses.create(model="m", input="[[cut]] tell me a long story", stream=True)
    kinds = [event.type async for event in stream]
    assert kinds[-1] == "response.failed" and "response.completed" not in kinds
    with pytest.raises(openai.UnprocessableEntityError):
        await client.responses.create(model="m")  # no input
    with pytest.raises(openai.UnprocessableEntityError):
        await client.responses.create(model="m", input=Q, temperature=5)


async def test_a_cut_answer_is_not_stored(client: AsyncOpenAI, service: LiveServer) -> None:
    r = await client.responses.with_raw_response.create(model="m", input="[[length]] Tell me about Paris")
    cut = r.parse()
    assert cut.status == "incomplete" and cut.incomplete_details is not None
    await drained(service)
    assert await status_of(client, model="m", input="[[length]] Tell me about Paris") == "MISS"
