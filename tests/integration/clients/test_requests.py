"""Issue 29: what common clients send by default reaches the upstream in a form it honours, and an error
keeps the upstream's reason. Token limits (LangChain and the Responses API send max_completion_tokens),
content-part arrays, content null, response_format json_schema, a prompt over the context, upstream 4xx."""

from __future__ import annotations

import json

import httpx
import openai
import pytest
from langchain_core.messages import HumanMessage
from langchain_openai import ChatOpenAI
from openai import AsyncOpenAI
from pydantic import BaseModel

from tests.conftest import ServiceFactory
from tests.support.live import LiveServer
from tests.support.upstream import Upstream
from tests.support.wait import drained

LONG = " ".join(f"word{i}" for i in range(120))


def _chat(service: LiveServer, *, max_tokens: int | None = None, temperature: float | None = None) -> ChatOpenAI:
    return ChatOpenAI(
        base_url=service.url + "/v1",
        api_key="any",
        model="m",
        max_retries=0,
        max_tokens=max_tokens,  # an alias of max_completion_tokens, as users write it
        temperature=temperature,
    )


async def _status(client: AsyncOpenAI, prompt: str, *, max_completion_tokens: int | None = None) -> str:
    raw = await client.chat.completions.with_raw_response.create(
        model="m", messages=[{"role": "user", "content": prompt}], max_completion_tokens=max_completion_tokens
    )
    return str(raw.headers["x-semcache-status"])


# --- token limits ---------------------------------------------------------------------------------------


async def test_langchain_max_tokens_reaches_a_compatible_upstream_as_max_tokens(
    service: LiveServer, upstream: Upstream
) -> None:
    await _chat(service, max_tokens=16).ainvoke("Name a colour.")
    sent = upstream.state.calls[-1]
    assert sent.get("max_tokens") == 16 and "max_completion_tokens" not in sent


async def test_responses_max_output_tokens_reaches_the_upstream_as_max_tokens(
    aclient: AsyncOpenAI, upstream: Upstream
) -> None:
    await aclient.responses.create(model="m", input="Name a fruit.", max_output_tokens=12)
    sent = upstream.state.calls[-1]
    assert sent.get("max_tokens") == 12 and "max_completion_tokens" not in sent


async def test_an_answer_longer_than_its_token_limit_is_never_stored(
    service: LiveServer, aclient: AsyncOpenAI, upstream: Upstream
) -> None:
    # An upstream that ignores the limit: 120 words under max_completion_tokens=16.
    prompt = "Describe the sea."
    upstream.state.answers[prompt] = LONG
    assert await _status(aclient, prompt, max_completion_tokens=16) == "MISS"
    await drained(service)
    assert await _status(aclient, prompt, max_completion_tokens=16) == "MISS"
    assert upstream.state.calls_for(prompt) == 2


async def test_a_stored_answer_longer_than_a_later_limit_is_not_served_to_it(
    service: LiveServer, aclient: AsyncOpenAI, upstream: Upstream
) -> None:
    # 40 tokens fit max_tokens=64 and are stored; max_tokens=16 shares that limit bucket but not the answer.
    prompt = "Describe a river."
    upstream.state.answers[prompt] = " ".join(f"w{i}" for i in range(40))
    assert await _status(aclient, prompt, max_completion_tokens=64) == "MISS"
    await drained(service)
    assert await _status(aclient, prompt, max_completion_tokens=60) == "HIT-EXACT"
    raw = await aclient.chat.completions.with_raw_response.create(
        model="m", messages=[{"role": "user", "content": prompt}], max_completion_tokens=16
    )
    assert (
        raw.headers["x-semcache-status"] == "MISS" and "longer than max_tokens=16" in raw.headers["x-semcache-reason"]
    )


@pytest.mark.llm
async def test_langchain_max_tokens_limits_the_local_model(local_service: LiveServer) -> None:
    reply = await _chat(local_service, max_tokens=16, temperature=0).ainvoke("Write a long story about a fox.")
    assert reply.response_metadata["finish_reason"] == "length" and len(str(reply.content)) < 200


# --- content parts --------------------------------------------------------------------------------------


async def test_text_parts_are_joined_into_the_prompt_and_the_key(
    service: LiveServer, aclient: AsyncOpenAI, upstream: Upstream
) -> None:
    parts = [{"type": "text", "text": "What is the capital"}, {"type": "text", "text": "of Italy?"}]
    upstream.state.answers["What is the capital\nof Italy?"] = "Rome."
    reply = await _chat(service).ainvoke([HumanMessage(content=parts)])  # type: ignore[arg-type]  # LangChain's content-part dicts
    assert reply.content == "Rome."
    assert upstream.state.calls[-1]["messages"] == [{"role": "user", "content": "What is the capital\nof Italy?"}]
    await drained(service)
    assert await _status(aclient, "What is the capital\nof Italy?") == "HIT-EXACT"


@pytest.mark.llm
async def test_text_parts_get_a_real_answer_from_the_local_model(local_service: LiveServer) -> None:
    parts = [{"type": "text", "text": "What is the capital of France?"}]
    reply = await _chat(local_service, temperature=0).ainvoke([HumanMessage(content=parts)])  # type: ignore[arg-type]  # LangChain's content-part dicts
    # An array reached llama.cpp as an empty prompt and came back as "" before it was flattened.
    assert "France" in str(reply.content) and reply.response_metadata["finish_reason"] == "stop"


@pytest.mark.llm
@pytest.mark.parametrize("stream", [False, True])
async def test_an_image_part_the_local_model_cannot_take_is_a_400(local_client: AsyncOpenAI, stream: bool) -> None:
    content = [
        {"type": "text", "text": "What is in this picture?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
    ]
    with pytest.raises(openai.BadRequestError, match="reads text only") as caught:
        await local_client.chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": content}],  # type: ignore[misc, list-item]  # an image part as the SDK types it
            stream=stream,
        )
    body = caught.value.body
    assert isinstance(body, dict) and body["type"] == "invalid_request_error" and "image_url" in body["message"]


async def test_content_null_is_a_422_in_openai_error_shape(service: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=service.url) as c:
        r = await c.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": None}]})
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error" and "needs content" in error["message"]
    assert error["param"] == "messages.0"


async def test_an_unknown_v1_path_is_a_404_in_openai_error_shape(service: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=service.url) as c:
        r = await c.post("/v1/engines/nope", json={})
    assert r.status_code == 404
    error = r.json()["error"]
    assert error["type"] == "not_found_error" and "/v1/engines/nope" in error["message"]


# --- errors keep the upstream's reason ------------------------------------------------------------------


async def test_an_upstream_400_keeps_its_message_and_is_not_retried(
    service_factory: ServiceFactory, upstream: Upstream
) -> None:
    service = service_factory(LLM_MAX_RETRIES=2)
    prompt = "Explain rain [[status:400]]"
    async with AsyncOpenAI(base_url=service.url + "/v1", api_key="any", max_retries=0) as client:
        for stream in (False, True):
            with pytest.raises(openai.BadRequestError, match="scripted failure"):
                await client.chat.completions.create(
                    model="m", messages=[{"role": "user", "content": prompt}], stream=stream
                )
    assert upstream.state.calls_for(prompt) == 2  # one per request: a 4xx is never retried


async def test_an_upstream_500_keeps_its_message(aclient: AsyncOpenAI) -> None:
    with pytest.raises(openai.APIStatusError, match=r"failed \(500\): scripted failure") as caught:
        await aclient.chat.completions.create(model="m", messages=[{"role": "user", "content": "Hi [[status:500]]"}])
    assert caught.value.status_code == 502


class City(BaseModel):
    city: str
    country: str


@pytest.mark.llm
async def test_langchain_structured_output_works_on_the_local_model(local_service: LiveServer) -> None:
    # with_structured_output's default is response_format json_schema; llama.cpp constrains to the schema.
    llm = _chat(local_service, temperature=0, max_tokens=64).with_structured_output(City)
    answer = await llm.ainvoke("Name the capital of France and its country.")
    assert isinstance(answer, City) and answer.city and answer.country


@pytest.mark.llm
async def test_a_prompt_over_the_local_context_is_a_400_with_the_reason(local_client: AsyncOpenAI) -> None:
    long = "Summarise this. " + "The quick brown fox jumps over the lazy dog. " * 400  # ~4,000 tokens > 2,048
    huge = "Summarise this. " + "The quick brown fox jumps over the lazy dog. " * 13_000  # 600 KB: not keyed
    for prompt, stream in ((long, False), (long, True), (huge, False), (huge, True)):
        with pytest.raises(openai.BadRequestError, match="maximum context length") as caught:
            await local_client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": prompt}], stream=stream
            )
        assert isinstance(caught.value.body, dict) and caught.value.body["message"]


@pytest.mark.llm
async def test_responses_with_tools_on_the_local_model_is_an_openai_error(local_client: AsyncOpenAI) -> None:
    tool = {"type": "function", "name": "lookup", "parameters": {"type": "object", "properties": {}}}
    with pytest.raises(openai.NotFoundError, match="no /responses endpoint") as caught:
        await local_client.responses.create(model="m", input="Look it up.", tools=[tool])  # type: ignore[list-item]  # a function tool as a dict
    assert json.loads(caught.value.response.content)["error"]["code"] == "llm_bad_request"
