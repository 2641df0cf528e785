"""api/framing: every wire format framed by sse-starlette, byte for byte what clients read."""

from __future__ import annotations

from semcache.api.framing.chat import SSE_DONE, chunk, sse_data, sse_json, usage_chunk
from semcache.api.framing.events import sse
from semcache.api.framing.responses import EventWriter
from semcache.schemas.responses import ResponsesRequest


def test_chunks_parse_like_openai_chunks() -> None:
    c = chunk("chatcmpl-1", "m", content="Hi", role="assistant")
    data = c.model_dump(exclude_none=True)
    assert data["object"] == "chat.completion.chunk" and data["choices"][0]["delta"] == {
        "content": "Hi",
        "role": "assistant",
    }
    u = usage_chunk("chatcmpl-1", "m", prompt_tokens=3, completion_tokens=4)
    assert u.choices == [] and u.usage is not None and u.usage.total_tokens == 7


def test_ask_events_are_named_with_compact_json() -> None:
    assert sse("content_chunk", {"column": "raw", "text": "é"}).encode() == (
        b'event: content_chunk\r\ndata: {"column":"raw","text":"\\u00e9"}\r\n\r\n'
    )


def test_openai_lines_are_unnamed_data_lines_ending_with_done() -> None:
    line = sse_data(chunk("chatcmpl-1", "m", content="Hi", created=1))
    assert line.startswith(b"data: {") and line.endswith(b"}\n\n") and line.count(b"\n") == 2
    assert sse_json({"error": {"code": "x"}}) == b'data: {"error": {"code": "x"}}\n\n'
    assert SSE_DONE == b"data: [DONE]\n\n"


def test_responses_events_are_named_and_numbered() -> None:
    writer = EventWriter(ResponsesRequest.model_validate({"model": "m", "input": "x"}), model="m")
    first = writer.start().split(b"\n\n")[0]
    assert first.startswith(b"event: response.created\ndata: {") and b'"sequence_number":0' in first
