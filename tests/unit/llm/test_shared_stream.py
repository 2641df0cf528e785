import asyncio
from collections.abc import AsyncIterator

import pytest
from openai.types.chat import ChatCompletionChunk

from semcache.api.framing.chat import chunk
from semcache.errors import LLMError
from semcache.llm.shared import SharedStream


async def source(
    words: list[str], *, fail_after: int | None = None, delay: float = 0
) -> AsyncIterator[ChatCompletionChunk]:
    for i, word in enumerate(words):
        if fail_after is not None and i == fail_after:
            raise ConnectionResetError("cut")
        await asyncio.sleep(delay)
        yield chunk("c", "m", content=word)
    yield chunk("c", "m", finish_reason="stop")


async def read(stream: SharedStream) -> str:
    return "".join(c.choices[0].delta.content or "" for c in [x async for x in stream.chunks()])


async def gated(words: list[str], gates: list[asyncio.Event]) -> AsyncIterator[ChatCompletionChunk]:
    """Yields each word only once its gate is set: the test decides what has been streamed when."""
    for word, gate in zip(words, gates, strict=True):
        await gate.wait()
        yield chunk("c", "m", content=word)
    yield chunk("c", "m", finish_reason="stop")


async def test_late_readers_see_every_chunk() -> None:
    gates = [asyncio.Event() for _ in range(3)]
    stream = SharedStream(gated(["a", "b", "c"], gates)).start()
    first = stream.chunks()
    gates[0].set()
    gates[1].set()
    seen = [(await anext(first)).choices[0].delta.content or "" for _ in range(2)]
    assert seen == ["a", "b"]  # the first reader has had two chunks before the second reader joins
    late = asyncio.create_task(read(stream))
    gates[2].set()
    rest = "".join([c.choices[0].delta.content or "" async for c in first])
    assert await late == "abc" and "".join(seen) + rest == "abc"
    after_the_end = await read(stream)  # a reader joining once the stream is over still gets all of it
    assert after_the_end == "abc"
    answer = await stream.wait()
    assert answer.complete and answer.text == "abc" and answer.first_token_at is not None


async def test_errors_reach_every_reader_and_mark_the_answer() -> None:
    stream = SharedStream(source(["a", "b", "c"], fail_after=2))
    with pytest.raises(LLMError):
        await read(stream)
    answer = await stream.wait()
    assert not answer.complete and answer.text == "ab" and answer.error is not None


async def test_the_last_reader_leaving_cancels_the_upstream() -> None:
    stream = SharedStream(source(["a"] * 100, delay=0.01))
    async for _ in stream.chunks():
        break
    answer = await asyncio.wait_for(stream.wait(), 2)
    assert answer.cancelled and not answer.complete


async def test_a_stream_that_ends_without_a_finish_reason_is_an_error() -> None:
    # llama.cpp's server ends a request it interrupts with a bare [DONE]: the text so far is not an answer.
    async def cut() -> AsyncIterator[ChatCompletionChunk]:
        yield chunk("c", "m", content="Once upon")

    stream = SharedStream(cut())
    with pytest.raises(LLMError, match="without a finish reason"):
        await read(stream)
    answer = await stream.wait()
    assert not answer.complete and answer.text == "Once upon" and answer.finish_reason is None


async def burst(words: list[str]) -> AsyncIterator[ChatCompletionChunk]:
    """An upstream whose whole answer is already buffered: no chunk makes the pump wait."""
    for word in words:
        yield chunk("c", "m", content=word)
    yield chunk("c", "m", finish_reason="stop")


async def test_a_reader_gets_the_first_chunk_of_a_burst_before_the_rest_is_read() -> None:
    stream = SharedStream(burst([f"w{i} " for i in range(50)])).start()
    reader = stream.chunks()
    first = await anext(reader)
    assert first.choices[0].delta.content == "w0 "
    assert not stream.done.is_set()  # relayed while the burst was still being read
    assert "".join([c.choices[0].delta.content or "" async for c in reader]) == "".join(f"w{i} " for i in range(1, 50))
