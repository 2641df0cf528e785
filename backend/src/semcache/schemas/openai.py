"""OpenAI-compatible chat wire models (the subset we read; everything else passes through)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

__all__ = ["ChatMessage", "ChatRequest"]

Role = Literal["system", "developer", "user", "assistant", "tool", "function"]
#: Content part types that carry text (an assistant turn may hold a refusal part).
TEXT_PARTS = ("text", "refusal")


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Role
    content: str | list[dict[str, JsonValue]] | None = None
    name: str | None = Field(default=None, max_length=256)

    @model_validator(mode="after")
    def _content_present(self) -> ChatMessage:
        # Only an assistant turn may leave content out (it carries tool_calls instead), as on OpenAI's API.
        if self.content is None and self.role != "assistant":
            raise ValueError(f"a {self.role} message needs content (a string or an array of content parts)")
        return self

    def text(self) -> str:
        """The message's text (content parts of type text joined); non-text parts are not cacheable."""
        if isinstance(self.content, str):
            return self.content
        if not self.content:
            return ""
        return "\n".join(str(p.get("text", p.get("refusal", ""))) for p in self.content if p.get("type") in TEXT_PARTS)

    def non_text_parts(self) -> list[str]:
        """The types of the content parts that are not text (images, audio, files)."""
        if not isinstance(self.content, list):
            return []
        return [str(p.get("type")) for p in self.content if p.get("type") not in TEXT_PARTS]

    def flattened(self) -> ChatMessage:
        """A text-only content array as one string, joined as in the cache key: servers such as llama.cpp
        answer an array with an empty string."""
        if not isinstance(self.content, list) or self.non_text_parts():
            return self
        return self.model_copy(update={"content": self.text()})


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

    def non_text_parts(self) -> list[str]:
        """The types of every non-text content part in the conversation."""
        return [kind for m in self.messages for kind in m.non_text_parts()]

    def flattened(self) -> ChatRequest:
        """This request with text-only content arrays as strings (what the upstream is sent)."""
        if not any(isinstance(m.content, list) for m in self.messages):
            return self
        return self.model_copy(update={"messages": [m.flattened() for m in self.messages]})

    def extra_params(self) -> dict[str, object]:
        """Parameters outside the known set (kept for the upstream and for the cache scope)."""
        return dict(self.model_extra or {})
