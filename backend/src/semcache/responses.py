"""Pure: the OpenAI Responses API on top of the chat flow.

A Responses request is translated to the chat request it means (input items -> messages, `instructions` ->
a system message, `max_output_tokens`, `text.format`, `reasoning.effort` -> their chat names), so it gets the
same cache key, scope and controls as `/v1/chat/completions`, and shares entries with it. What cannot be
translated faithfully (tools, `previous_response_id`, non-text or non-message items, fields we do not know)
is not cached: the route forwards it to the upstream's own `/responses` as sent.

The answer is framed back as a `response` object, or as the Responses streaming events.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass

from pydantic import JsonValue

from semcache.schemas.openai import ChatMessage, ChatRequest
from semcache.schemas.responses import ResponsesRequest

__all__ = ["EventWriter", "Usage", "new_ids", "response_object", "to_chat"]

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


# --- framing -------------------------------------------------------------------------------------------


def new_ids() -> tuple[str, str]:
    """(response id, message item id)."""
    return "resp_" + uuid.uuid4().hex, "msg_" + uuid.uuid4().hex


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0

    def wire(self) -> Json:
        return {
            "input_tokens": self.input_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": self.output_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": self.input_tokens + self.output_tokens,
        }


def _part(text: str) -> Json:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def _item(message_id: str, text: str | None, status: str) -> Json:
    content: list[JsonValue] = [] if text is None else [_part(text)]
    return {"id": message_id, "type": "message", "status": status, "role": "assistant", "content": content}


def response_object(
    request: ResponsesRequest,
    *,
    ids: tuple[str, str],
    model: str,
    created_at: float,
    text: str | None,
    status: str = "completed",
    finish_reason: str | None = "stop",
    usage: Usage | None = None,
    error: Json | None = None,
) -> Json:
    """A `response` object: in progress (text None), completed, incomplete (cut by length) or failed."""
    incomplete = status == "completed" and finish_reason == "length"
    if incomplete:
        status = "incomplete"
    item_status = "in_progress" if text is None else ("incomplete" if incomplete else "completed")
    output: list[JsonValue] = [] if text is None else [_item(ids[1], text, item_status)]
    return {
        "id": ids[0],
        "object": "response",
        "created_at": int(created_at),
        "status": status,
        "error": error,
        "incomplete_details": {"reason": "max_output_tokens"} if incomplete else None,
        "instructions": request.instructions,
        "max_output_tokens": request.max_output_tokens,
        "metadata": request.metadata or {},
        "model": model,
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "temperature": request.temperature,
        "top_p": request.top_p,
        "tool_choice": "auto",
        "tools": [],
        "text": request.text or {"format": {"type": "text"}},
        "usage": None if usage is None else usage.wire(),
        "completed_at": int(time.time()) if status in ("completed", "incomplete") else None,
    }


class EventWriter:
    """The Responses streaming events of one answer, as SSE bytes with increasing sequence numbers."""

    def __init__(self, request: ResponsesRequest, *, model: str, created_at: float | None = None) -> None:
        self.request = request
        self.model = model
        self.created_at = created_at or time.time()
        self.ids = new_ids()
        self.seq = 0
        self.text: list[str] = []

    def _event(self, kind: str, **payload: JsonValue) -> bytes:
        data = {"type": kind, "sequence_number": self.seq, **payload}
        self.seq += 1
        return f"event: {kind}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()

    def _where(self) -> Json:
        return {"item_id": self.ids[1], "output_index": 0, "content_index": 0}

    def _response(self, **kwargs: object) -> Json:
        return response_object(self.request, ids=self.ids, model=self.model, created_at=self.created_at, **kwargs)  # type: ignore[arg-type]  # keyword-only pass-through of response_object's own options

    def start(self) -> bytes:
        return b"".join(
            [
                self._event("response.created", response=self._response(text=None, status="in_progress")),
                self._event("response.in_progress", response=self._response(text=None, status="in_progress")),
                self._event("response.output_item.added", output_index=0, item=_item(self.ids[1], None, "in_progress")),
                self._event("response.content_part.added", **self._where(), part=_part("")),
            ]
        )

    def delta(self, text: str) -> bytes:
        self.text.append(text)
        return self._event("response.output_text.delta", **self._where(), delta=text, logprobs=[])

    def finish(self, *, finish_reason: str | None, usage: Usage) -> bytes:
        text = "".join(self.text)
        final = self._response(text=text, finish_reason=finish_reason, usage=usage)
        item = final["output"][0]  # type: ignore[index]
        return b"".join(
            [
                self._event("response.output_text.done", **self._where(), text=text, logprobs=[]),
                self._event("response.content_part.done", **self._where(), part=_part(text)),
                self._event("response.output_item.done", output_index=0, item=item),
                self._event(f"response.{final['status']}", response=final),
            ]
        )

    def fail(self, code: str, message: str) -> bytes:
        error: Json = {"code": code, "message": message}
        return self._event("response.failed", response=self._response(text=None, status="failed", error=error))
