"""Wire models of /ask, /ask/stream and /llm/test."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, JsonValue

from semcache.result import ColumnResult, ErrorInfo, LookupStatus
from semcache.schemas.common import Prompt, ScopeValue, StrictModel, ThresholdOptions

__all__ = ["AskRequest", "AskResponse", "CacheDocumentOut", "ColumnOut", "LLMTestResponse"]


class AskRequest(StrictModel, ThresholdOptions):
    prompt: Prompt
    scope: dict[str, ScopeValue] = Field(default_factory=dict, max_length=16)
    no_cache: bool = Field(default=False, description="skip the lookup (the answer is still stored)")
    no_store: bool = Field(default=False, description="do not store this answer")
    ttl: int | None = Field(default=None, ge=1, le=31_536_000)


class CacheDocumentOut(BaseModel):
    column: Literal["cache"] = "cache"
    status: LookupStatus
    source: str | None
    doc_id: str | None
    prompt: str | None
    similarity: float | None
    distance: float | None
    threshold_similarity: float
    threshold_distance: float
    query: dict[str, JsonValue]
    embedding: list[float]
    dims: int
    reason: str | None


class ColumnOut(ColumnResult):
    """The service's result as /ask sends it; the cache column carries its lookup's document too."""

    document: CacheDocumentOut | None = None


class AskResponse(BaseModel):
    prompt: str
    raw: ColumnOut
    cache: ColumnOut


class LLMTestResponse(BaseModel):
    ok: bool
    provider: str
    model: str
    latency_ms: float
    answer: str | None
    error: ErrorInfo | None
