"""OpenAI / Azure OpenAI embeddings through the openai SDK, micro-batched like the local model."""

from __future__ import annotations

import re

import numpy as np
import openai
from openai import AsyncOpenAI

from semcache.embeddings.base import Vector
from semcache.embeddings.batching import MicroBatcher
from semcache.errors import EmbeddingError

__all__ = ["OpenAIEmbedder"]

KNOWN_DIMS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}


class OpenAIEmbedder:
    def __init__(
        self, client: AsyncOpenAI, *, model: str, provider: str, dims: int | None = None, max_batch: int = 256
    ) -> None:
        self._client = client
        self._model = model
        self._provider = provider
        self._requested_dims = dims
        self._dims = dims or KNOWN_DIMS.get(model, 0)
        self._batcher = MicroBatcher(self._run, max_batch=max_batch)

    @property
    def fingerprint(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", f"{self._provider}-{self._model}".lower()).strip("-")
        return f"{slug}-{self.dims}"

    @property
    def dims(self) -> int:
        return self._dims

    async def start(self) -> None:
        if not self._dims:
            # An unknown deployment name: ask the model once rather than guess the width.
            self._dims = len((await self._run(["dimension probe"]))[0])

    async def _run(self, texts: list[str]) -> list[Vector]:
        try:
            if self._requested_dims:
                response = await self._client.embeddings.create(
                    model=self._model, input=texts, dimensions=self._requested_dims
                )
            else:
                response = await self._client.embeddings.create(model=self._model, input=texts)
        except openai.OpenAIError as e:
            raise EmbeddingError(f"embedding call failed: {type(e).__name__}") from e
        vectors: list[Vector] = []
        for item in sorted(response.data, key=lambda d: d.index):
            v = np.asarray(item.embedding, dtype=np.float32)
            vectors.append(v / max(float(np.linalg.norm(v)), 1e-12))
        return vectors

    async def embed(self, texts: list[str]) -> list[Vector]:
        return await self._batcher.embed(texts)

    async def aclose(self) -> None:
        await self._batcher.aclose()
        await self._client.close()
