"""The legacy OpenAI completions request (`POST /v1/completions`): the subset we read; the rest is kept."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from semcache.schemas.openai import StreamOptions

__all__ = ["CompletionsRequest"]


class CompletionsRequest(BaseModel):
    """Unknown fields are kept (`model_extra`) and go upstream with the chat request it is served as."""

    model_config = ConfigDict(extra="allow")

    model: str | None = Field(default=None, max_length=256)
    prompt: str | list[str] | list[int] | list[list[int]]
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: int | None = Field(default=None, ge=1, le=1_000_000)
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, ge=0.0, le=1.0)
    n: int | None = Field(default=None, ge=1, le=128)
    best_of: int | None = Field(default=None, ge=1, le=20)
    stop: str | list[str] | None = None
    seed: int | None = None
    presence_penalty: float | None = Field(default=None, ge=-2.0, le=2.0)
    frequency_penalty: float | None = Field(default=None, ge=-2.0, le=2.0)
    logit_bias: dict[str, JsonValue] | None = None
    echo: bool | None = None
    logprobs: int | None = Field(default=None, ge=0, le=5)
    suffix: str | None = None
    user: str | None = Field(default=None, max_length=256)
