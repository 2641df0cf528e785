"""Chooses and starts the embedder the settings ask for."""

from __future__ import annotations

from semcache.config import Settings
from semcache.embeddings.base import Embedder
from semcache.embeddings.local import LocalEmbedder
from semcache.embeddings.openai import OpenAIEmbedder
from semcache.providers import build_client

__all__ = ["local_embedder", "start_embedder"]


def local_embedder(settings: Settings) -> LocalEmbedder:
    """The local embedder as the settings configure it (not started)."""
    return LocalEmbedder(
        threads=settings.embed_threads,
        int8=settings.embed_int8,
        cache_dir=settings.model_cache_dir,
        model_path=settings.embed_model_path,
    )


async def start_embedder(settings: Settings) -> Embedder:
    provider = settings.resolved_embedding_provider
    if provider == "local":
        local = local_embedder(settings)
        await local.start()
        return local
    client = build_client(settings, provider, timeout_s=30.0, max_retries=settings.llm_max_retries)
    model = (
        settings.azure_openai_embedding_model or "text-embedding-3-small"
        if provider == "azure"
        else settings.openai_embedding_model
    )
    remote = OpenAIEmbedder(
        client, model=model, provider=provider, dims=settings.embedding_dims, max_batch=settings.embed_batch_max
    )
    await remote.start()
    return remote
