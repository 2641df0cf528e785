"""Wire models of `POST /cache/feedback`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["FeedbackRequest", "FeedbackResponse"]


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9]{1,64}$", description="the `match.id` of the hit being judged")
    correct: bool = Field(description="was the cached answer right for the query it was served to?")
    similarity: float | None = Field(
        default=None,
        ge=-1.0,
        le=1.0,
        description="the hit's `match.similarity`; a wrong report without it stops all semantic hits on the entry",
    )


class FeedbackResponse(BaseModel):
    id: str
    right: int
    wrong: int
    min_similarity: float | None = Field(description="the entry is served only to queries closer than this")
