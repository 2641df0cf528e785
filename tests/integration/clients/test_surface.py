"""Issue 29: the surface common clients use by default. /v1/embeddings in every input form OpenAI accepts,
/v1/completions, a repeat right after a streamed miss served as an exact hit, and hits that report usage."""

from __future__ import annotations

import httpx
import numpy as np
import openai
import pytest
from langchain_openai import ChatOpenAI, OpenAIEmbeddings
from openai import AsyncOpenAI
from pydantic import SecretStr

from semcache.llm.tokens import encoding
from tests.support.live import LiveServer
from tests.support.upstream import Upstream
from tests.support.wait import drained

TEXTS = ["What is the capital of France?", "How do tides work?"]


def _ids(text: str) -> list[int]:
    enc = encoding("cl100k_base")
    assert enc is not None
    return enc.encode(text)


# --- embeddings -----------------------------------------------------------------------------------------


async def test_every_embeddings_input_form_gives_the_same_vectors(aclient: AsyncOpenAI) -> None:
    async def vectors(value: object) -> list[list[float]]:
        reply = await aclient.embeddings.create(model="text-embedding-3-small", input=value)  # type: ignore[arg-type]  # every form the API takes
        return [item.embedding for item in reply.data]

    texts = await vectors(TEXTS)
    assert await vectors(TEXTS[0]) == texts[:1]
    assert await vectors(_ids(TEXTS[0])) == texts[:1]
    assert await vectors([_ids(t) for t in TEXTS]) == texts


async def test_langchain_embeddings_send_token_ids_and_get_the_text_vectors(
    service: LiveServer, aclient: AsyncOpenAI
) -> None:
    # OpenAIEmbeddings tokenizes with tiktoken and sends token id lists by default.
    async with httpx.AsyncClient() as http:  # closed here: the client LangChain would make is left open
        lc = OpenAIEmbeddings(
            openai_api_base=service.url + "/v1",
            openai_api_key=SecretStr("any"),
            model="text-embedding-3-small",
            max_retries=0,
            http_async_client=http,
        )
        documents = await lc.aembed_documents(TEXTS)
    direct = await aclient.embeddings.create(model="text-embedding-3-small", input=TEXTS)
    for mine, theirs in zip(documents, direct.data, strict=True):
        assert np.allclose(mine, theirs.embedding, atol=1e-6)


async def test_dimensions_the_embedder_has_are_accepted_others_are_a_clear_400(aclient: AsyncOpenAI) -> None:
    reply = await aclient.embeddings.create(model="m", input="hello", dimensions=384)
    assert len(reply.data[0].embedding) == 384
    with pytest.raises(openai.BadRequestError, match="returns 384 dimensions"):
        await aclient.embeddings.create(model="m", input="hello", dimensions=256)


# --- /v1/completions ------------------------------------------------------------------------------------


async def test_completions_are_served_through_the_chat_cache(
    service: LiveServer, aclient: AsyncOpenAI, upstream: Upstream
) -> None:
    prompt = "What is the capital of Spain?"
    upstream.state.answers[prompt] = "Madrid."
    raw = await aclient.completions.with_raw_response.create(model="m", prompt=prompt, max_tokens=20)
    first = raw.parse()
    assert raw.headers["x-semcache-status"] == "MISS" and first.choices[0].text == "Madrid."
    assert first.object == "text_completion" and first.choices[0].finish_reason == "stop"
    assert upstream.state.calls[-1]["messages"] == [{"role": "user", "content": prompt}]
    await drained(service)
    stream = await aclient.completions.create(model="m", prompt=prompt, max_tokens=20, stream=True)
    text, finish = "", None
    async for chunk in stream:
        text += chunk.choices[0].text if chunk.choices else ""
        finish = (chunk.choices[0].finish_reason if chunk.choices else None) or finish
    assert (text, finish) == ("Madrid.", "stop")
    # One key with the chat gateway: the same prompt there is an exact hit.
    chat = await aclient.chat.completions.with_raw_response.create(
        model="m", messages=[{"role": "user", "content": prompt}], max_tokens=20
    )
    assert chat.headers["x-semcache-status"] == "HIT-EXACT" and upstream.state.calls_for(prompt) == 1


async def test_completions_without_a_chat_equivalent_name_the_chat_route(aclient: AsyncOpenAI) -> None:
    for kwargs in ({"prompt": [1, 2, 3]}, {"prompt": ["a", "b"]}, {"prompt": "Hi", "echo": True}):
        with pytest.raises(openai.BadRequestError, match="/v1/chat/completions"):
            await aclient.completions.create(model="m", **kwargs)


# --- the exact path agrees with the KNN path; hits report usage -----------------------------------------


async def test_a_repeat_right_after_a_streamed_miss_is_an_exact_hit(aclient: AsyncOpenAI) -> None:
    # Before, about one repeat in four found the entry by KNN (HIT-SEMANTIC at 1.0000) while its store landed.
    for n in range(12):
        prompt = f"Give me fact number {n} about owls."
        messages: list[openai.types.chat.ChatCompletionMessageParam] = [{"role": "user", "content": prompt}]
        async with aclient.chat.completions.with_streaming_response.create(
            model="m", messages=messages, stream=True
        ) as response:
            assert response.headers["x-semcache-status"] == "MISS"
            async for _ in await response.parse():
                pass
        repeat = await aclient.chat.completions.with_raw_response.create(model="m", messages=messages)
        assert repeat.headers["x-semcache-status"] == "HIT-EXACT", (n, repeat.headers.get("x-semcache-similarity"))


async def test_a_langchain_hit_reports_the_stored_usage(service: LiveServer) -> None:
    llm = ChatOpenAI(base_url=service.url + "/v1", api_key="any", model="m", max_retries=0)
    miss = await llm.ainvoke("Why is the sky blue?")
    await drained(service)
    hit = await llm.ainvoke("Why is the sky blue?")
    assert hit.content == miss.content and hit.usage_metadata is not None and miss.usage_metadata is not None
    assert hit.usage_metadata["output_tokens"] == miss.usage_metadata["output_tokens"] > 0
    assert hit.usage_metadata["input_tokens"] == miss.usage_metadata["input_tokens"] > 0
