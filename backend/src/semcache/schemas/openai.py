"""OpenAI-compatible chat wire models (the subset we read; everything else passes through)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

__all__ = ["ChatMessage", "ChatRequest"]

Role = Literal["system", "developer", "user", "assistant", "tool", "function"]


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Role
    content: str | list[dict[str, JsonValue]] | None = None
    name: str | None = Field(default=None, max_length=256)

    def text(self) -> str:
        """The message's text (content parts of type text joined); non-text parts are not cacheable."""
        if isinstance(self.content, str):
            return self.content
        if not self.content:
            return ""
        return "\n".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool | None = None


class ChatRequest(BaseModel):
    """An OpenAI chat completion request. Unknown parameters are kept and forwarded upstream; because
    they may change the answer, they also become part of the cache scope (see normalize.py)."""

    model_config = ConfigDict(extra="allow")

    model: str | None = Field(default=None, max_length=256)
    messages: list[ChatMessage] = Field(min_length=1, max_length=1000)
    stream: bool = False
    stream_options: StreamOptions | None = None
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, ge=0.0, le=1.0)
    max_tokens: int | None = Field(default=None, ge=1, le=1_000_000)
    max_completion_tokens: int | None = Field(default=None, ge=1, le=1_000_000)
    n: int | None = Field(default=None, ge=1, le=128)
    stop: str | list[str] | None = None
    seed: int | None = None
    presence_penalty: float | None = Field(default=None, ge=-2.0, le=2.0)
    frequency_penalty: float | None = Field(default=None, ge=-2.0, le=2.0)
    logprobs: bool | None = None
    top_logprobs: int | None = Field(default=None, ge=0, le=20)
    response_format: dict[str, JsonValue] | None = None
    tools: list[dict[str, JsonValue]] | None = None
    tool_choice: JsonValue = None
    functions: list[dict[str, JsonValue]] | None = None
    function_call: JsonValue = None
    user: str | None = Field(default=None, max_length=256)

    def upstream_kwargs(self, *, model: str, extra_body: dict[str, JsonValue] | None = None) -> dict[str, object]:
        """Keyword arguments for `client.chat.completions.create` (stream flags are the caller's)."""
        data = self.model_dump(exclude_none=True, exclude={"stream", "stream_options", "model"})
        known = set(type(self).model_fields)
        extras = {k: v for k, v in data.items() if k not in known}
        kwargs: dict[str, object] = {k: v for k, v in data.items() if k in known}
        kwargs["model"] = model
        body = {**(extra_body or {}), **extras}
        if body:
            kwargs["extra_body"] = body
        return kwargs

    def extra_params(self) -> dict[str, object]:
        """Parameters outside the known set (kept for the upstream and for the cache scope)."""
        return dict(self.model_extra or {})
