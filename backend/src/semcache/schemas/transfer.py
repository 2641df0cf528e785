"""Wire models of `POST /cache/import` and the lines of `GET /cache/export` (JSON Lines, one entry each)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from semcache.schemas.cache import Metadata
from semcache.schemas.common import Prompt, ScopeValue, StrictModel

__all__ = ["EntryLine", "ImportReport", "Refused"]


class EntryLine(StrictModel):
    """One entry, as exported and as imported. Export writes every field; import needs prompt and response.
    `ttl` is the seconds it has left (import: its TTL, default CACHE_TTL); an `embedding` is reused on import
    only when `embedder` is this server's embedder, otherwise the prompt is embedded again."""

    prompt: Prompt
    response: str = Field(min_length=1, max_length=200_000)
    scope: dict[str, ScopeValue] = Field(default_factory=dict, max_length=16)
    tags: list[str] = Field(default_factory=list, max_length=16)
    ttl: int | None = Field(default=None, ge=1, le=31_536_000)
    metadata: Metadata = Field(default_factory=dict, max_length=64)
    embedder: str | None = Field(default=None, max_length=256)
    embedding: list[float] | None = Field(default=None, min_length=1, max_length=8192)
    # Written by export for people and tools; import derives them again.
    id: str | None = Field(default=None, max_length=64)
    created_at: float | None = None
    hits: int | None = None


class Refused(BaseModel):
    line: int = Field(description="1-based line number in the request body")
    reason: str


class ImportReport(BaseModel):
    imported: int
    refused: list[Refused]
    reembedded: int = Field(description="lines embedded here (no vector, or one from another embedder)")
    vectors_reused: int
