"""The framing-neutral events an answer path yields, and what the gateway hands its routes.

The service runs the flow; a route only frames these (SSE events, OpenAI chunks, Responses events, or one
JSON body).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass

from openai.types.chat import ChatCompletionChunk

from semcache.cache.semantic import Lookup
from semcache.errors import LLMError
from semcache.intake import CacheTarget  # re-exported: where the flow's events name the request's target
from semcache.llm.tokens import count_messages, count_text
from semcache.result import Column, ColumnResult, ErrorInfo, LookupStatus

__all__ = [
    "CacheDocument",
    "CacheTarget",
    "ColumnDone",
    "ColumnEvent",
    "ColumnStart",
    "Delta",
    "GatewayAnswer",
]


@dataclass(frozen=True)
class ColumnStart:
    column: Column
    model: str


@dataclass(frozen=True)
class CacheDocument:
    status: LookupStatus
    lookup: Lookup | None
    threshold: float
    reason: str | None = None


@dataclass(frozen=True)
class Delta:
    column: Column
    text: str
    chunk: ChatCompletionChunk | None = None


@dataclass(frozen=True)
class ColumnDone:
    result: ColumnResult


ColumnEvent = ColumnStart | CacheDocument | Delta | ColumnDone


@dataclass
class GatewayAnswer:
    """A gateway request once its lookup is known: the document (for the response headers), then its events.

    The first event after the document is already read, so a route can answer an early upstream failure
    with a plain error response instead of a stream that starts with 200.
    """

    document: CacheDocument
    first: ColumnEvent
    rest: AsyncGenerator[ColumnEvent, None]

    @property
    def error(self) -> ErrorInfo | None:
        """The upstream's error when it failed before its first token."""
        if isinstance(self.first, ColumnDone) and self.first.result.status == "error":
            return self.first.result.error or ErrorInfo(code="llm_error", message="the LLM failed")
        return None

    @property
    def replayed(self) -> bool:
        return self.document.lookup is not None and self.document.lookup.hit

    @property
    def entry_model(self) -> str:
        """The model the served entry was stored under ("" on a miss)."""
        lookup = self.document.lookup
        match = lookup.match if lookup is not None else None
        return str(match.entry.metadata.get("model", "")) if match is not None else ""

    def usage(self, result: ColumnResult) -> tuple[int, int]:
        """(prompt, completion) tokens to report, decided here for every wire format. A replayed answer
        reports the served entry's: what it cost when it was made (counted with tiktoken for an entry stored
        without counts). OpenAI clients sum usage for cost tracking, so a hit reports it like a miss; the
        `x-semcache-billed-tokens: 0` header says nothing was spent on it."""
        lookup = self.document.lookup
        match = lookup.match if lookup is not None and lookup.hit else None
        if match is None:
            return result.prompt_tokens, result.completion_tokens
        entry = match.entry
        prompt = entry.prompt_tokens or count_messages([{"role": "user", "content": entry.prompt}])
        return prompt, entry.completion_tokens or count_text(entry.response)

    async def events(self) -> AsyncIterator[ColumnEvent]:
        try:
            yield self.first
            async for event in self.rest:
                yield event
        finally:
            # Closing the column now (not at garbage collection) cancels the upstream on a client disconnect.
            await self.rest.aclose()

    async def collected(self) -> tuple[str, ColumnResult]:
        """The whole answer's text and its result: what every non-streaming framing reads."""
        parts: list[str] = []
        async for event in self.events():
            if isinstance(event, Delta):
                parts.append(event.text)
            elif isinstance(event, ColumnDone):
                return "".join(parts), event.result
        raise LLMError("the cache column ended without a result")

    async def close(self) -> None:
        await self.rest.aclose()
