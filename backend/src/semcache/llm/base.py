"""The LLM Protocol. Every upstream speaks the OpenAI chat API, so the types are the openai SDK's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from openai.types.chat import ChatCompletion, ChatCompletionChunk

from semcache.schemas.openai import ChatRequest

__all__ = ["LLM"]


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
