"""OpenAI-compatible /v1/embeddings wire models."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from semcache.schemas.common import StrictModel

__all__ = ["EmbeddingItem", "EmbeddingsRequest", "EmbeddingsResponse", "EmbeddingsUsage"]


class EmbeddingsRequest(StrictModel):
    input: str | list[str] = Field(description="a text or a list of up to 256 texts")
    model: str | None = Field(default=None, max_length=256)
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: int | None = Field(default=None, ge=1, le=8192)
    user: str | None = Field(default=None, max_length=256)

    def texts(self) -> list[str]:
        texts = [self.input] if isinstance(self.input, str) else self.input
        if not texts or len(texts) > 256 or any(not t or len(t) > 32_000 for t in texts):
            raise ValueError("input must be 1-256 non-empty texts of at most 32,000 characters")
        return texts


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
