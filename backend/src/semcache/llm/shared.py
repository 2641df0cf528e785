"""One upstream stream, many readers.

/ask/stream's raw column and its cache column (on a miss) read the same upstream answer, and so do the
followers of a single-flight leader: each reader sees every chunk from the start, whenever it joins. When
the last reader leaves before the end (a client disconnect), the upstream call is cancelled.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from openai.types.chat import ChatCompletionChunk

from semcache.errors import LLMError
from semcache.llm.openai import map_error

__all__ = ["Answer", "SharedStream"]


@dataclass
class Answer:
    """What an upstream stream amounted to, once it ended."""

    text: str = ""
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    #: Hidden reasoning tokens among completion_tokens (GPT-5 class models report them in the usage).
    reasoning_tokens: int | None = None
    refusal: bool = False
    error: LLMError | None = None
    cancelled: bool = False
    started_at: float = field(default_factory=time.perf_counter)
    first_token_at: float | None = None
    ended_at: float | None = None

    @property
    def complete(self) -> bool:
        return self.error is None and not self.cancelled and self.finish_reason == "stop"


class SharedStream:
    def __init__(self, source: AsyncIterator[ChatCompletionChunk]) -> None:
        self._source = source
        self._chunks: list[ChatCompletionChunk] = []
        self._changed = asyncio.Event()
        self._readers = 0
        self._task: asyncio.Task[None] | None = None
        self._parts: list[str] = []
        self.answer = Answer()
        self.done = asyncio.Event()

    def start(self) -> SharedStream:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._pump())
        return self

    async def _pump(self) -> None:
        answer = self.answer
        try:
            async for chunk in self._source:
                self._absorb(chunk)
                self._chunks.append(chunk)
                self._wake()
                # Readers first: an upstream that sends a burst (a fast model, a buffered proxy) would
                # otherwise have the whole burst parsed before the first token is relayed (+1 ms on a miss).
                await asyncio.sleep(0)
            if answer.finish_reason is None:
                # A stream that ends without the upstream's own finish reason was cut short (llama.cpp ends a
                # request it interrupts with a bare [DONE]): an error, never an answer marked complete.
                answer.error = LLMError("the upstream stream ended without a finish reason (the answer was cut)")
        except asyncio.CancelledError:
            answer.cancelled = True
            raise
        except Exception as e:  # the readers get it as an LLMError; nothing escapes the task
            answer.error = map_error(e)
        finally:
            answer.text = "".join(self._parts)
            answer.ended_at = time.perf_counter()
            self.done.set()
            self._wake()

    def _absorb(self, chunk: ChatCompletionChunk) -> None:
        answer = self.answer
        if chunk.usage is not None:
            answer.prompt_tokens = chunk.usage.prompt_tokens
            answer.completion_tokens = chunk.usage.completion_tokens
            details = chunk.usage.completion_tokens_details
            answer.reasoning_tokens = details.reasoning_tokens if details is not None else None
        for choice in chunk.choices[:1]:
            if choice.delta.content:
                if answer.first_token_at is None:
                    answer.first_token_at = time.perf_counter()
                self._parts.append(choice.delta.content)
            if getattr(choice.delta, "refusal", None):
                answer.refusal = True
            if choice.finish_reason:
                answer.finish_reason = choice.finish_reason

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def chunks(self) -> AsyncIterator[ChatCompletionChunk]:
        """Every chunk from the first; raises the upstream's LLMError after the last good one."""
        self.start()
        self._readers += 1
        index = 0
        try:
            while True:
                while index < len(self._chunks):
                    yield self._chunks[index]
                    index += 1
                if self.done.is_set():
                    if self.answer.error is not None:
                        raise self.answer.error
                    return
                await self._changed.wait()
        finally:
            self._readers -= 1
            if self._readers == 0 and not self.done.is_set():
                self.cancel()

    async def failed_before_content(self) -> bool:
        """True when the stream ended in an error before any text: a follower may then try on its own."""
        while not self.done.is_set() and not self._parts:
            await self._changed.wait()
        return self.done.is_set() and self.answer.error is not None and not self._parts

    async def wait(self) -> Answer:
        self.start()
        await self.done.wait()
        return self.answer

    def cancel(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
