"""The LLM Protocol. Every upstream speaks the OpenAI chat API, so the types are the openai SDK's."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from openai.types.chat import ChatCompletion, ChatCompletionChunk

from semcache.schemas.openai import ChatRequest

__all__ = ["LLM", "Relayed", "ResponsesRelay"]


class LLM(Protocol):
    @property
    def provider(self) -> str: ...

    @property
    def model(self) -> str: ...

    def stream(self, request: ChatRequest) -> AsyncIterator[ChatCompletionChunk]:
        """Chunks as the upstream sends them; errors surface as semcache.errors.LLMError."""
        ...

    async def complete(self, request: ChatRequest) -> ChatCompletion: ...

    async def ping(self) -> None:
        """A call that costs no tokens (list models); raises LLMError when the upstream is not there."""
        ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class Relayed:
    """An upstream's own answer passed on as sent: a JSON body, or (`stream` set) its SSE bytes."""

    status_code: int
    content: bytes = b""
    stream: AsyncIterator[bytes] | None = None


@runtime_checkable
class ResponsesRelay(Protocol):
    """An upstream with the OpenAI Responses API, for the requests semcache does not cache."""

    async def relay_responses(self, payload: Mapping[str, object], *, stream: bool) -> Relayed:
        """The upstream's /responses answer to `payload` as sent (an upstream error status included);
        a transport failure raises LLMError."""
        ...
