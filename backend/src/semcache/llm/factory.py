"""Chooses the LLM from settings; starts the local model server when nothing else is configured."""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from openai.types.chat import ChatCompletion, ChatCompletionChunk

from semcache.config import Settings
from semcache.errors import LaunchError, LLMError
from semcache.llm.base import LLM
from semcache.llm.budget import config_problem
from semcache.llm.capabilities import capabilities_for
from semcache.llm.openai import OpenAICompatibleLLM, parse_extra_body
from semcache.local.llm import EXTRA_BODY, MODEL_ALIAS, LocalLLMServer
from semcache.providers import build_client
from semcache.schemas.openai import ChatRequest

__all__ = ["LLMHandle", "check_reasoning", "start_llm"]

log = logging.getLogger(__name__)


@dataclass
class LLMHandle:
    llm: LLM
    local_server: LocalLLMServer | None = None

    async def aclose(self) -> None:
        await self.llm.aclose()
        if self.local_server is not None:
            await self.local_server.stop()


def _model_name(settings: Settings, provider: str) -> str:
    if provider == "azure":
        model = settings.azure_openai_gpt5_model or settings.azure_openai_chat_model
        if not model:
            raise LaunchError("set AZURE_OPENAI_GPT5_MODEL or AZURE_OPENAI_CHAT_MODEL (the deployment name)")
        return model
    if provider == "local":
        return MODEL_ALIAS
    return settings.llm_model or ("gpt-4o-mini" if provider == "openai" else "default")


class UnavailableLLM:
    """Stands in when no LLM can run (e.g. a container with none configured): the service still starts,
    cache hits are served, and every miss is a clear 503 that says what to configure."""

    def __init__(self, reason: str) -> None:
        self._reason = reason

    @property
    def provider(self) -> str:
        return "none"

    @property
    def model(self) -> str:
        return "none"

    def _error(self) -> LLMError:
        error = LLMError(f"no LLM available: {self._reason}")
        error.status_code = 503
        return error

    async def stream(self, request: ChatRequest) -> AsyncIterator[ChatCompletionChunk]:
        nothing: tuple[ChatCompletionChunk, ...] = ()
        for chunk in nothing:  # an async generator like the real ones, failing on first use
            yield chunk
        raise self._error()

    async def complete(self, request: ChatRequest) -> ChatCompletion:
        raise self._error()

    async def ping(self) -> None:
        raise self._error()

    async def aclose(self) -> None:
        return None


def check_reasoning(settings: Settings, model: str, *, hint: bool) -> None:
    """Refuse to start with a reasoning effort the model rejects, or a budget that leaves no room for an
    answer: every miss would otherwise come back as a 400 or an empty answer the cache cannot store."""
    family = capabilities_for(model, reasoning_hint=hint).family
    if family is None:
        return
    problem = config_problem(
        family,
        effort=settings.llm_reasoning_effort,
        visible=settings.llm_max_tokens,
        reasoning_budget=settings.llm_reasoning_budget,
    )
    if problem is not None:
        raise LaunchError(f"LLM {model}: {problem}")


async def start_llm(settings: Settings) -> LLMHandle:
    provider = settings.resolved_llm_provider
    if provider == "local" and importlib.util.find_spec("llama_cpp") is None:
        reason = (
            "llama-cpp-python is not installed for the local model; set LLM_BASE_URL, "
            "AZURE_OPENAI_ENDPOINT or OPENAI_API_KEY"
        )
        log.error("LLM: %s", reason)
        return LLMHandle(UnavailableLLM(reason))
    model = _model_name(settings, provider)
    hint = provider == "azure" and bool(settings.azure_openai_gpt5_model)
    check_reasoning(settings, model, hint=hint)
    extra_body = parse_extra_body(settings.llm_extra_body)
    server: LocalLLMServer | None = None
    base_url: str | None = None
    if provider == "local":
        server = LocalLLMServer(
            log_dir=settings.data_dir,
            model_path=settings.local_llm_model_path,
            port=settings.local_llm_port,
            threads=settings.local_llm_threads,
        )
        base_url = await server.start()
        extra_body = extra_body if extra_body is not None else dict(EXTRA_BODY)
    client = build_client(
        settings,
        "compatible" if provider == "local" else provider,
        base_url=base_url,
        timeout_s=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
    )
    llm = OpenAICompatibleLLM(
        client,
        provider=provider,
        model=model,
        extra_body=extra_body,
        reasoning_hint=hint,
        reasoning_effort=settings.llm_reasoning_effort,
        reasoning_budget=settings.llm_reasoning_budget,
    )
    return LLMHandle(llm, server)
