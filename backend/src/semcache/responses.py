"""Pure: the OpenAI Responses API on top of the chat flow.

A Responses request is translated to the chat request it means (input items -> messages, `instructions` ->
a system message, `max_output_tokens`, `text.format`, `reasoning.effort` -> their chat names), so it gets the
same cache key, scope and controls as `/v1/chat/completions`, and shares entries with it. What cannot be
translated faithfully (tools, `previous_response_id`, non-text or non-message items, fields we do not know)
is not cached: the route forwards it to the upstream's own `/responses` as sent.

The answer is framed back as a `response` object, or as the Responses streaming events, by
api/framing/responses.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import JsonValue

from semcache.schemas.openai import ChatMessage, ChatRequest
from semcache.schemas.responses import ResponsesRequest

__all__ = ["Translation", "to_chat"]

#: Fields of a Responses request that do not change the answer (bookkeeping on OpenAI's side).
_NEUTRAL = {"store", "metadata", "user", "parallel_tool_calls", "truncation", "include", "service_tier",
            "safety_identifier", "prompt_cache_key", "prompt_cache_retention", "background"}  # fmt: skip
_TEXT_PARTS = {"input_text", "output_text", "text"}
_ROLES = {"user", "assistant", "system", "developer"}

Json = dict[str, JsonValue]


@dataclass(frozen=True)
class Translation:
    """The chat request a Responses request means, or why it has none (`chat` is None then)."""

    chat: ChatRequest | None
    reason: str | None = None


def _message(item: Json) -> ChatMessage | str:
    """One input item as a chat message, or why it cannot be one."""
    kind = item.get("type", "message")
    if kind != "message":
        return f"input items of type {str(kind)[:40]!r} (tool calls, reasoning, references) are not cached"
    role, content = item.get("role"), item.get("content")
    if role not in _ROLES:
        return "an input message without a known role"
    if isinstance(content, str):
        return ChatMessage(role=role, content=content)
    if not isinstance(content, list):
        return "an input message without content"
    texts = []
    for part in content:
        if not isinstance(part, dict) or part.get("type") not in _TEXT_PARTS:
            return "non-text content (images, files, audio) is not cached"
        texts.append(str(part.get("text", "")))
    return ChatMessage(role=role, content="\n".join(texts))


def _response_format(text: Json | None) -> tuple[Json | None, str | None]:
    fmt = (text or {}).get("format")
    if fmt is None or (isinstance(fmt, dict) and fmt.get("type") == "text"):
        return None, None
    if not isinstance(fmt, dict):
        return None, "text.format is not an object"
    if fmt.get("type") == "json_object":
        return {"type": "json_object"}, None
    if fmt.get("type") == "json_schema":
        schema = {k: v for k, v in fmt.items() if k in ("name", "schema", "strict", "description")}
        return {"type": "json_schema", "json_schema": schema}, None
    return None, f"text.format type {str(fmt.get('type'))[:40]!r} is not translated"


def to_chat(request: ResponsesRequest) -> Translation:
    why = _untranslatable(request)
    if why:
        return Translation(None, why)
    messages = _messages(request)
    if isinstance(messages, str):
        return Translation(None, messages)
    response_format, why = _response_format(request.text)
    if why:
        return Translation(None, why)
    chat = ChatRequest(
        model=request.model,
        messages=messages,
        stream=request.stream,
        temperature=request.temperature,
        top_p=request.top_p,
        max_completion_tokens=request.max_output_tokens,
        response_format=response_format,
        user=request.user,
        **_passed_through(request),  # ChatRequest keeps extra fields (extra="allow")
    )
    return Translation(chat)


def _untranslatable(request: ResponsesRequest) -> str | None:
    """Why the request has no chat equivalent a cache key can stand for, or None."""
    if request.tools or request.tool_choice not in (None, "none"):
        return "tool or function calling"
    if request.previous_response_id:
        return "previous_response_id: the conversation lives on the upstream"
    unknown = sorted(set(request.model_extra or {}) - _NEUTRAL)
    if unknown:
        return f"parameters {unknown[:5]} are not translated to a cache key"
    return None


def _messages(request: ResponsesRequest) -> list[ChatMessage] | str:
    """The chat messages the input means, or why an item has none."""
    messages: list[ChatMessage] = []
    if request.instructions:
        messages.append(ChatMessage(role="system", content=request.instructions))
    items: list[Json] = (
        [{"role": "user", "content": request.input}] if isinstance(request.input, str) else request.input
    )
    for item in items:
        message = _message(item)
        if isinstance(message, str):
            return message
        messages.append(message)
    return messages or "empty input"


def _passed_through(request: ResponsesRequest) -> dict[str, object]:
    """reasoning.effort and text.verbosity, under their chat names, when the caller set them."""
    extra: dict[str, object] = {}
    effort = (request.reasoning or {}).get("effort")
    if effort is not None:
        extra["reasoning_effort"] = effort
    verbosity = (request.text or {}).get("verbosity")
    if verbosity is not None:
        extra["verbosity"] = verbosity
    return extra
