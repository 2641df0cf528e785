"""OpenAI-compatible /v1/embeddings wire models."""

from __future__ import annotations

from typing import Literal, cast

from pydantic import BaseModel, Field

from semcache.llm.tokens import decode_tokens
from semcache.schemas.common import StrictModel

__all__ = ["EmbeddingItem", "EmbeddingsRequest", "EmbeddingsResponse", "EmbeddingsUsage"]


class EmbeddingsRequest(StrictModel):
    input: str | list[str] | list[int] | list[list[int]] = Field(
        description="a text, a list of up to 256 texts, token ids, or a list of token id lists (decoded with "
        "the encoding the model name implies, cl100k_base for names tiktoken does not know)"
    )
    model: str | None = Field(default=None, max_length=256)
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: int | None = Field(default=None, ge=1, le=8192)
    user: str | None = Field(default=None, max_length=256)

    def texts(self) -> list[str]:
        """Every input form OpenAI accepts, as texts. Raises ValueError saying what is wrong."""
        texts = self._decoded()
        if not texts or len(texts) > 256 or any(not t or len(t) > 32_000 for t in texts):
            raise ValueError("input must be 1-256 non-empty texts of at most 32,000 characters")
        return texts

    def _decoded(self) -> list[str]:
        value = self.input
        if isinstance(value, str):
            return [value]
        if value and all(isinstance(v, int) for v in value):
            return [decode_tokens(cast(list[int], value), model=self.model)]
        if value and all(isinstance(v, list) for v in value):
            return [decode_tokens(ids, model=self.model) for ids in cast(list[list[int]], value)]
        return cast(list[str], value)


class EmbeddingItem(BaseModel):
    object: Literal["embedding"] = "embedding"
    index: int
    embedding: list[float] | str


class EmbeddingsUsage(BaseModel):
    prompt_tokens: int
    total_tokens: int


class EmbeddingsResponse(BaseModel):
    object: Literal["list"] = "list"
    data: list[EmbeddingItem]
    model: str
    usage: EmbeddingsUsage
