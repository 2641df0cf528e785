"""llm/sse.py: the upstream's SSE body as chunks, equal to what the SDK's own parser gives."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from openai._models import construct_type
from openai.types.chat import ChatCompletionChunk

from semcache.errors import LLMError
from semcache.llm.sse import chat_chunks, events, parse_chunk

CHUNK = {
    "id": "chatcmpl-1",
    "object": "chat.completion.chunk",
    "created": 1,
    "model": "m",
    "choices": [{"index": 0, "delta": {"content": "Paris"}, "finish_reason": None}],
}
USAGE = {**CHUNK, "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8}}
FINISH = {**CHUNK, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "system_fingerprint": "fp"}
# Azure OpenAI's first chunk: empty object and model, and its own prompt filter results.
AZURE_FIRST = {
    "id": "",
    "object": "",
    "created": 0,
    "model": "",
    "choices": [],
    "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": {}}],
}


async def lines(*items: str) -> AsyncIterator[str]:
    for item in items:
        yield item


async def collect(source: AsyncIterator[object]) -> list[object]:
    return [item async for item in source]


@pytest.mark.parametrize("payload", [CHUNK, USAGE, FINISH, AZURE_FIRST])
def test_a_chunk_is_what_the_sdk_builds(payload: dict[str, object]) -> None:
    ours = parse_chunk(json.dumps(payload))
    sdk = construct_type(type_=ChatCompletionChunk, value=payload)
    assert isinstance(sdk, ChatCompletionChunk)
    assert ours.model_dump_json(exclude_unset=True) == sdk.model_dump_json(exclude_unset=True)
    assert ours == sdk


def test_an_error_payload_or_event_raises_with_its_message() -> None:
    with pytest.raises(LLMError, match="mid-stream: overloaded"):
        parse_chunk(json.dumps({"error": {"message": "overloaded", "type": "server_error"}}))
    with pytest.raises(LLMError, match="no message"):
        parse_chunk(json.dumps({"detail": "x"}), event="error")


@pytest.mark.parametrize("data", ["not json", "[1, 2]"])
def test_what_is_not_a_json_object_raises(data: str) -> None:
    with pytest.raises(LLMError, match="not"):
        parse_chunk(data)


async def test_events_join_data_lines_and_skip_comments() -> None:
    got = await collect(
        events(lines(": ping", "", "event: x", "data: a", "data:b", "", "data: tail-without-blank-line"))
    )
    assert got == [("x", "a\nb"), (None, "tail-without-blank-line")]


async def test_chunks_end_at_done_and_what_follows_is_read_unparsed() -> None:
    body = [f"data: {json.dumps(CHUNK)}", "", "event: other", "data: {}", "", "data: [DONE]", "", "data: junk", ""]
    got = await collect(chat_chunks(lines(*body)))
    assert [c.choices[0].delta.content for c in got if isinstance(c, ChatCompletionChunk)] == ["Paris"]
