"""One LLM client for OpenAI, Azure OpenAI and any OpenAI-compatible server (llama.cpp, Ollama, vLLM)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from pydantic import JsonValue

from semcache.errors import (
    LLMBadRequestError,
    LLMError,
    LLMRateLimitError,
    LLMTimeoutError,
)
from semcache.schemas.openai import ChatRequest


def map_error(e: Exception) -> LLMError:
    """The SDK's (and httpx's) errors as ours, with messages that never include keys or prompts."""
    if isinstance(e, LLMError):
        return e
    if isinstance(e, openai.APITimeoutError | TimeoutError) or "Timeout" in type(e).__name__:
        return LLMTimeoutError("the LLM did not answer in time")
    if isinstance(e, openai.RateLimitError):
        return LLMRateLimitError("the LLM is rate limiting us (429) after retries")
    if isinstance(e, openai.APIStatusError):
        if 400 <= e.status_code < 500 and e.status_code not in (408, 409):
            return LLMBadRequestError(f"the LLM rejected the request ({e.status_code})", detail=_safe_detail(e))
        return LLMError(f"the LLM failed ({e.status_code})")
    if isinstance(e, openai.APIConnectionError | ConnectionError) or "Protocol" in type(e).__name__:
        return LLMError("cannot reach the LLM (connection failed or the stream was cut)")
    return LLMError(f"LLM call failed: {type(e).__name__}")


def _safe_detail(e: openai.APIStatusError) -> object:
    body = e.body
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            return {"message": str(err.get("message", ""))[:500], "type": err.get("type")}
    return None


class OpenAICompatibleLLM:
    def __init__(
        self, client: AsyncOpenAI, *, provider: str, model: str, extra_body: dict[str, JsonValue] | None = None
    ) -> None:
        self._client = client
        self._provider = provider
        self._model = model
        self._extra_body = extra_body

    @property
    def provider(self) -> str:
        return self._provider

    @property
    def model(self) -> str:
        return self._model

    @property
    def client(self) -> AsyncOpenAI:
        """The SDK client, for what is forwarded as sent (Responses API requests semcache does not cache)."""
        return self._client

    def upstream_model(self, requested: str | None) -> str:
        # Azure routes by deployment name; other servers honour the requested model when it is given.
        return self._model if self._provider in ("azure", "local") or not requested else requested

    def _kwargs(self, request: ChatRequest) -> dict[str, object]:
        return request.upstream_kwargs(model=self.upstream_model(request.model), extra_body=self._extra_body)

    async def stream(self, request: ChatRequest) -> AsyncIterator[ChatCompletionChunk]:
        try:
            upstream = await self._client.chat.completions.create(
                **self._kwargs(request),  # type: ignore[call-overload]  # validated by ChatRequest
                stream=True,
                stream_options={"include_usage": True},
            )
            async with upstream:
                async for chunk in upstream:
                    yield chunk
        except Exception as e:  # the SDK's transport errors are not all OpenAIErrors mid-stream
            raise map_error(e) from e

    async def complete(self, request: ChatRequest) -> ChatCompletion:
        try:
            result: ChatCompletion = await self._client.chat.completions.create(
                **self._kwargs(request),  # type: ignore[call-overload]  # validated by ChatRequest
                stream=False,
            )
        except Exception as e:  # the SDK's transport errors are not all OpenAIErrors mid-stream
            raise map_error(e) from e
        return result

    async def ping(self) -> None:
        try:
            await self._client.models.list()
        except Exception as e:
            raise map_error(e) from e

    async def aclose(self) -> None:
        await self._client.close()


def parse_extra_body(raw: str | None) -> dict[str, JsonValue] | None:
    if not raw:
        return None
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError("LLM_EXTRA_BODY must be a JSON object")
    return value
