"""The OpenAI Responses API request (`POST /v1/responses`): the subset we read; the rest is kept as sent."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, JsonValue

__all__ = ["ResponsesRequest"]


class ResponsesRequest(BaseModel):
    """Unknown fields are kept (`model_extra`): a request we cannot translate to a cache key faithfully is
    forwarded to the upstream's own /responses untouched, and needs every field it was sent with."""

    model_config = ConfigDict(extra="allow")

    model: str | None = Field(default=None, max_length=256)
    input: str | list[dict[str, JsonValue]] = Field(max_length=1000)
    instructions: str | None = Field(default=None, max_length=200_000)
    stream: bool = False
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, ge=0.0, le=1.0)
    max_output_tokens: int | None = Field(default=None, ge=1, le=1_000_000)
    tools: list[dict[str, JsonValue]] | None = None
    tool_choice: JsonValue = None
    previous_response_id: str | None = Field(default=None, max_length=256)
    text: dict[str, JsonValue] | None = None
    reasoning: dict[str, JsonValue] | None = None
    user: str | None = Field(default=None, max_length=256)
    metadata: dict[str, JsonValue] | None = None
    store: bool | None = None
