"""Wire models of /ask, /ask/stream and /llm/test."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, JsonValue

from semcache.schemas.common import Prompt, ScopeValue, StrictModel, ThresholdOptions


class AskRequest(StrictModel, ThresholdOptions):
    prompt: Prompt
    scope: dict[str, ScopeValue] = Field(default_factory=dict, max_length=16)
    no_cache: bool = Field(default=False, description="skip the lookup (the answer is still stored)")
    no_store: bool = Field(default=False, description="do not store this answer")
    ttl: int | None = Field(default=None, ge=1, le=31_536_000)


class ErrorInfo(BaseModel):
    code: str
    message: str


class CacheDocumentOut(BaseModel):
    column: Literal["cache"] = "cache"
    status: Literal["hit", "miss", "bypass"]
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


class ColumnOut(BaseModel):
    column: Literal["raw", "cache"]
    status: Literal["ok", "hit", "miss", "bypass", "error"]
    model: str
    text: str
    source: str | None
    latency_ms: float
    ttft_ms: float | None
    prompt_tokens: int
    completion_tokens: int
    tokens_saved: int
    cost_usd: float
    cost_saved_usd: float
    similarity: float | None
    distance: float | None
    stored: bool
    stored_id: str | None
    entry_id: str | None
    finish_reason: str | None
    error: ErrorInfo | None
    reason: str | None
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
