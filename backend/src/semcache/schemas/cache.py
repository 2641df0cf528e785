"""Wire models of /cache/* and /vector/*."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, Field, JsonValue, model_validator

from semcache.schemas.common import Prompt, ScopeValue, StrictModel, ThresholdOptions

__all__ = [
    "CandidateOut",
    "ClearResponse",
    "EntryOut",
    "MatchOut",
    "Metadata",
    "SearchRequest",
    "SearchResponse",
    "StatsResponse",
    "StoreRequest",
    "StoreResponse",
    "VectorAddRequest",
    "VectorAddResponse",
    "VectorHit",
    "VectorSearchRequest",
    "VectorSearchResponse",
]

Metadata = dict[str, JsonValue]


class StoreRequest(StrictModel):
    prompt: Prompt
    response: str = Field(min_length=1, max_length=200_000)
    scope: dict[str, ScopeValue] = Field(default_factory=dict, max_length=16)
    ttl: int | None = Field(default=None, ge=1, le=31_536_000, description="seconds; default CACHE_TTL")
    metadata: Metadata = Field(default_factory=dict, max_length=64)
    tags: list[str] = Field(default_factory=list, max_length=16, description="free-form labels, for invalidation")


class EntryOut(BaseModel):
    id: str
    prompt: str
    response: str
    scope: dict[str, str]
    created_at: float
    hits: int
    prompt_tokens: int
    completion_tokens: int
    metadata: Metadata
    tags: list[str] = Field(default_factory=list)


class StoreResponse(EntryOut):
    ttl: int | None


class SearchRequest(StrictModel, ThresholdOptions):
    prompt: Prompt | None = None
    embedding: list[float] | None = Field(default=None, min_length=1, max_length=8192)
    scope: dict[str, ScopeValue] = Field(default_factory=dict, max_length=16)
    top_k: int = Field(default=3, ge=1, le=50)

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.prompt is None) == (self.embedding is None):
            raise ValueError("give exactly one of `prompt` or `embedding`")
        return self


class MatchOut(BaseModel):
    id: str
    prompt: str
    response: str
    distance: float
    similarity: float
    source: Literal["exact", "semantic"]
    scope: dict[str, str]
    created_at: float
    hits: int
    metadata: Metadata


class CandidateOut(BaseModel):
    id: str
    prompt: str
    distance: float
    similarity: float
    within_threshold: bool


class SearchResponse(BaseModel):
    hit: bool
    match: MatchOut | None
    candidates: list[CandidateOut]
    distance_threshold: float
    similarity_threshold: float
    latency_ms: float


class ClearResponse(BaseModel):
    deleted: int


class StatsResponse(BaseModel):
    entries: int
    index: dict[str, JsonValue]
    hits: int
    misses: int
    hit_rate: float
    memory_used_bytes: int
    memory_used_human: str
    distance_threshold: float
    similarity_threshold: float
    ttl: int | None
    embedder: str


class VectorAddRequest(StrictModel):
    text: Prompt
    metadata: Metadata = Field(default_factory=dict, max_length=64)


class VectorAddResponse(BaseModel):
    id: str
    created_at: float


class VectorSearchRequest(StrictModel):
    text: Prompt | None = None
    embedding: list[float] | None = Field(default=None, min_length=1, max_length=8192)
    top_k: int = Field(default=5, ge=1, le=100)
    threshold: float | None = Field(default=None, ge=0.0, le=1.0, description="minimum cosine similarity")

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.text is None) == (self.embedding is None):
            raise ValueError("give exactly one of `text` or `embedding`")
        return self


class VectorHit(BaseModel):
    id: str
    text: str
    metadata: Metadata
    distance: float
    similarity: float


class VectorSearchResponse(BaseModel):
    results: list[VectorHit]
