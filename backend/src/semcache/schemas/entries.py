"""Wire models of browsing and managing entries: `GET /cache/entries`, `GET /cache/entries/{id}`,
`POST /cache/entries/{id}/probe` and `POST /cache/generations`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, JsonValue

from semcache.schemas.common import Prompt, ScopeValue, StrictModel

__all__ = [
    "EntryDetail",
    "EntryPage",
    "EntryRow",
    "FeedbackCounts",
    "GenerationRequest",
    "GenerationResponse",
    "ProbeRequest",
    "ProbeResponse",
    "Sort",
]

Sort = Literal["-created_at", "created_at", "-hits", "hits"]


class EntryRow(BaseModel):
    """One line of the entries table: everything but the full answer."""

    id: str
    prompt: str
    response_preview: str = Field(description="the first 200 characters of the answer")
    response_chars: int
    scope: dict[str, str]
    tags: list[str]
    hits: int
    created_at: float
    age_s: float
    ttl_s: int | None = Field(description="seconds until it expires; null = no expiry")
    last_hit_at: float | None
    last_similarity: float | None = Field(description="similarity of the query its last hit served")
    stale: bool = Field(
        default=False, description="stored under an older generation of its namespace: no longer served"
    )


class EntryPage(BaseModel):
    entries: list[EntryRow]
    total: int = Field(description="entries matching the filters (all pages)")
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last one")


class FeedbackCounts(BaseModel):
    right: int
    wrong: int
    min_similarity: float | None


class EntryDetail(EntryRow):
    response: str
    ttl: int | None = Field(description="the TTL it was stored with (what a sliding TTL renews to)")
    prompt_tokens: int
    completion_tokens: int
    metadata: dict[str, JsonValue]
    feedback: FeedbackCounts
    generation: int
    current_generation: int


class ProbeRequest(StrictModel):
    prompt: Prompt


class ProbeResponse(BaseModel):
    """Would this query be answered by this entry? (The same lookup a request makes, without counting it.)"""

    would_hit: bool
    source: Literal["exact", "semantic"] | None
    similarity: float = Field(description="cosine similarity of the query to this entry")
    similarity_threshold: float
    within_threshold: bool
    served_id: str | None = Field(description="the entry a real lookup would serve (maybe another one)")
    served_similarity: float | None
    reason: str


class GenerationRequest(StrictModel):
    namespace: ScopeValue = Field(default="", description="empty = the tenant's entries without a namespace")
    tenant: ScopeValue | None = Field(default=None, description="admin only; default: the caller's tenant")


class GenerationResponse(BaseModel):
    tenant: str
    namespace: str
    generation: int
