"""Builds the openai SDK clients from settings: OpenAI, Azure OpenAI, or any compatible base URL.

One place, so the embedder and the LLM authenticate the same way (keys from the environment, or the
managed identity on Azure when no key is set).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from openai import AsyncAzureOpenAI, AsyncOpenAI

from semcache.config import Settings

__all__ = ["build_client"]

if TYPE_CHECKING:
    from semcache.azure_auth import AsyncTokenCredential

Provider = Literal["openai", "azure", "compatible", "local"]


class _EntraAzureOpenAI(AsyncAzureOpenAI):
    """AsyncAzureOpenAI signed in with Entra ID; closing it also closes the credential's HTTP session."""

    _credential: AsyncTokenCredential

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            await self._credential.close()


def build_client(
    settings: Settings, provider: Provider, *, base_url: str | None = None, timeout_s: float, max_retries: int
) -> AsyncOpenAI:
    # Retries are the SDK's own policy: backoff with jitter on 408/409/429/5xx and connection errors.
    if provider == "azure":
        if not settings.azure_openai_endpoint:
            raise ValueError("AZURE_OPENAI_ENDPOINT is required for the azure provider")
        key = settings.azure_openai_api_key
        if key is not None:
            return AsyncAzureOpenAI(
                azure_endpoint=settings.azure_openai_endpoint,
                api_key=key.get_secret_value(),
                api_version=settings.azure_openai_api_version,
                max_retries=max_retries,
                timeout=timeout_s,
            )
        from semcache.azure_auth import azure_openai_credential, azure_openai_token_provider

        credential = azure_openai_credential(settings)
        client = _EntraAzureOpenAI(
            azure_endpoint=settings.azure_openai_endpoint,
            azure_ad_token_provider=azure_openai_token_provider(credential),
            api_version=settings.azure_openai_api_version,
            max_retries=max_retries,
            timeout=timeout_s,
        )
        client._credential = credential
        return client
    if provider == "openai":
        key = settings.openai_api_key
        return AsyncOpenAI(
            api_key=key.get_secret_value() if key is not None else None,
            base_url=base_url or settings.openai_base_url,
            max_retries=max_retries,
            timeout=timeout_s,
        )
    # Compatible servers (llama.cpp, Ollama, vLLM) often need no key; the SDK insists on one.
    llm_key = settings.llm_api_key
    return AsyncOpenAI(
        api_key=llm_key.get_secret_value() if llm_key is not None else "not-needed",
        base_url=base_url or settings.llm_base_url,
        max_retries=max_retries,
        timeout=timeout_s,
    )
