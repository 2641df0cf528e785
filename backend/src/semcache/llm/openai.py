"""One LLM client for OpenAI, Azure OpenAI and any OpenAI-compatible server (llama.cpp, Ollama, vLLM)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack

import openai
from openai import AsyncAPIResponse, AsyncOpenAI, RequestOptions
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from pydantic import JsonValue

from semcache.config import ReasoningEffort
from semcache.errors import (
    LLMBadRequestError,
    LLMError,
    LLMRateLimitError,
    LLMTimeoutError,
)
from semcache.llm.base import Relayed
from semcache.llm.capabilities import (
    CLASSIC,
    LLAMA_CPP,
    MAX_TOKENS_ONLY,
    Capabilities,
    capabilities_for,
    learn_from_error,
    translate,
)
from semcache.llm.sse import chat_chunks
from semcache.schemas.openai import ChatRequest

__all__ = ["OpenAICompatibleLLM", "map_error", "parse_extra_body"]

log = logging.getLogger(__name__)

_RAW_RESPONSE = "X-Stainless-Raw-Response"  # the SDK's RAW_RESPONSE_HEADER (openai/_constants.py)


def map_error(e: Exception) -> LLMError:
    """The SDK's (and httpx's) errors as ours, with messages that never include keys or prompts."""
    if isinstance(e, LLMError):
        return e
    if isinstance(e, openai.APITimeoutError | TimeoutError) or "Timeout" in type(e).__name__:
        return LLMTimeoutError("the LLM did not answer in time")
    if isinstance(e, openai.RateLimitError):
        return LLMRateLimitError("the LLM is rate limiting us (429) after retries")
    if isinstance(e, openai.APIStatusError):
        # The upstream's own reason goes with its status class: "rejected (400)" alone left callers guessing.
        reason = _upstream_message(e)
        suffix = f": {reason}" if reason else ""
        if 400 <= e.status_code < 500 and e.status_code not in (408, 409):
            return LLMBadRequestError(f"the LLM rejected the request ({e.status_code}){suffix}", detail=_safe_detail(e))
        return LLMError(f"the LLM failed ({e.status_code}){suffix}", detail=_safe_detail(e))
    if isinstance(e, openai.APIConnectionError | ConnectionError) or "Protocol" in type(e).__name__:
        return LLMError("cannot reach the LLM (connection failed or the stream was cut)")
    return LLMError(f"LLM call failed: {type(e).__name__}")


def _upstream_message(e: openai.APIStatusError) -> str:
    """The message of the upstream's error body (OpenAI's shape, FastAPI's `detail`, or plain text), capped."""
    body: object = e.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        body = inner.get("message") or inner.get("detail") if isinstance(inner, dict) else inner
    if body is None or isinstance(body, dict | list):
        return ""
    return " ".join(str(body).split())[:300]


def _safe_detail(e: openai.APIStatusError) -> object:
    body = e.body
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            return {"message": str(err.get("message", ""))[:500], "type": err.get("type")}
    return None


class OpenAICompatibleLLM:
    def __init__(
        self,
        client: AsyncOpenAI,
        *,
        provider: str,
        model: str,
        extra_body: dict[str, JsonValue] | None = None,
        reasoning_hint: bool = False,
        reasoning_effort: ReasoningEffort | None = None,
        reasoning_budget: int | None = None,
    ) -> None:
        self._client = client
        self._provider = provider
        self._model = model
        self._extra_body = extra_body
        self._reasoning_hint = reasoning_hint
        self._reasoning_effort = reasoning_effort
        self._reasoning_budget = reasoning_budget
        # Models a 400 showed to be reasoning models although their name did not say so.
        self._learned: dict[str, Capabilities] = {}
        self._noted: set[str] = set()

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

    def _caps(self, model: str) -> Capabilities:
        learned = self._learned.get(model)
        if learned is not None:
            return learned
        caps = capabilities_for(model, reasoning_hint=self._reasoning_hint and model == self._model)
        # llama.cpp (the local model) and most self-hosted servers read only max_tokens; a reasoning model
        # behind such a URL says so with a 400, and `_relearn` moves it to max_completion_tokens.
        if caps != CLASSIC:
            return caps
        return LLAMA_CPP if self._provider == "local" else MAX_TOKENS_ONLY if self._provider == "compatible" else caps

    def _kwargs(self, request: ChatRequest, model: str) -> dict[str, object]:
        kwargs = request.upstream_kwargs(model=model, extra_body=self._extra_body)
        caps = self._caps(model)
        out = translate(kwargs, caps, reasoning_effort=self._reasoning_effort, reasoning_budget=self._reasoning_budget)
        if caps.reasoning and (out.dropped or out.renamed) and model not in self._noted:
            # Once per model: why the upstream saw other parameters than the caller sent.
            self._noted.add(model)
            log.info(
                "LLM: %s is a GPT-5 class model: sending max_completion_tokens for %s, leaving out %s",
                model,
                ", ".join(out.renamed) or "-",
                ", ".join(out.dropped) or "-",
            )
        return out.kwargs

    def _relearn(self, model: str, error: Exception) -> bool:
        """After a 400: whether it named a parameter this model rejects; then the next call translates."""
        if not isinstance(error, openai.BadRequestError):
            return False
        caps = learn_from_error(error.body, self._caps(model))
        if caps is None:
            return False
        self._learned[model] = caps
        log.warning("LLM: %s rejected a parameter of classic chat models; sending it GPT-5 class parameters", model)
        return True

    async def _create(self, request: ChatRequest, **flags: object) -> object:
        # One retry at most, and only before any output: the first 400 is answered before a stream starts.
        model = self.upstream_model(request.model)
        try:
            return await self._client.chat.completions.create(
                **self._kwargs(request, model),  # type: ignore[call-overload]  # validated by ChatRequest
                **flags,
            )
        except openai.BadRequestError as e:
            if not self._relearn(model, e):
                raise
        return await self._client.chat.completions.create(
            **self._kwargs(request, model),  # type: ignore[call-overload]  # validated by ChatRequest
            **flags,
        )

    async def _open_stream(self, request: ChatRequest) -> AsyncAPIResponse[ChatCompletionChunk]:
        """The streaming call through the SDK's own `post` (its retries, auth, Azure routing and error types),
        skipping what `chat.completions.create` adds on top: re-checking and transforming every parameter
        against its TypedDicts, which ChatRequest already validated (on a miss 1.5 of the 3 ms the SDK added
        to the first token). The body comes back unread; `llm/sse.py` parses it, ~20x faster a chunk."""
        model = self.upstream_model(request.model)
        try:
            return await self._post_stream(self._kwargs(request, model))
        except openai.BadRequestError as e:
            if not self._relearn(model, e):
                raise
        return await self._post_stream(self._kwargs(request, model))

    async def _post_stream(self, kwargs: dict[str, object]) -> AsyncAPIResponse[ChatCompletionChunk]:
        extra_body = kwargs.pop("extra_body", None)
        # What create() asks for (the API key), and the header with which the SDK's own
        # `with_streaming_response` gets the response back unread.
        options: RequestOptions = {"security": {"bearer_auth": True}, "headers": {_RAW_RESPONSE: "stream"}}
        if isinstance(extra_body, dict) and extra_body:
            options["extra_json"] = extra_body
        body = {**kwargs, "stream": True, "stream_options": {"include_usage": True}}
        return await self._client.post(
            "/chat/completions",
            body=body,
            cast_to=AsyncAPIResponse[ChatCompletionChunk],
            options=options,
            stream=True,
        )

    async def stream(self, request: ChatRequest) -> AsyncIterator[ChatCompletionChunk]:
        try:
            response = await self._open_stream(request)
            try:
                async for chunk in chat_chunks(response.iter_lines()):
                    yield chunk
            finally:
                await response.close()
        except Exception as e:  # the SDK's transport errors are not all OpenAIErrors mid-stream
            raise map_error(e) from e

    async def complete(self, request: ChatRequest) -> ChatCompletion:
        try:
            result = await self._create(request, stream=False)
        except Exception as e:  # the SDK's transport errors are not all OpenAIErrors mid-stream
            raise map_error(e) from e
        assert isinstance(result, ChatCompletion)
        return result

    async def relay_responses(self, payload: Mapping[str, object], *, stream: bool) -> Relayed:
        """A Responses API request semcache does not cache, to the upstream's own /responses as sent; its
        answer, an error status included, comes back as the upstream sent it (the caller asked for its API)."""
        body = {**payload, "model": self.upstream_model(str(payload.get("model") or "") or None)}
        exits = AsyncExitStack()
        try:
            if not stream:
                raw = await self._client.responses.with_raw_response.create(extra_body=body)
                return Relayed(raw.http_response.status_code, await raw.http_response.aread())
            upstream = await exits.enter_async_context(
                self._client.responses.with_streaming_response.create(extra_body=body)
            )
        except openai.APIStatusError as e:
            return Relayed(e.status_code, e.response.content)
        except Exception as e:
            raise map_error(e) from e

        async def relay() -> AsyncIterator[bytes]:
            async with exits:  # closes the upstream response when the client is done or gone
                async for piece in upstream.http_response.aiter_bytes():
                    yield piece

        return Relayed(200, stream=relay())

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
