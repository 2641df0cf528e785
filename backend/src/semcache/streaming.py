"""Pure: replay of cached text as chunks, OpenAI chunk objects, and all SSE framing (named events for
sse-starlette, the OpenAI stream's data lines)."""

from __future__ import annotations

import json
import re
import time
import uuid

from openai.types.chat import ChatCompletion, ChatCompletionChunk, ChatCompletionMessage
from openai.types.chat.chat_completion import Choice as CompletionChoice
from openai.types.chat.chat_completion_chunk import Choice, ChoiceDelta
from openai.types.completion_usage import CompletionUsage

__all__ = [
    "SSE_DONE",
    "chunk",
    "completion",
    "new_completion_id",
    "replay_pieces",
    "sse",
    "sse_data",
    "sse_json",
    "usage_chunk",
]

_PIECE = re.compile(r"\S+\s*|\s+")


def replay_pieces(text: str, *, words_per_piece: int = 3) -> list[str]:
    """Cached text in small word groups, so a client renders a hit like a (very fast) stream."""
    words = _PIECE.findall(text)
    return ["".join(words[i : i + words_per_piece]) for i in range(0, len(words), words_per_piece)] or [text]


def new_completion_id() -> str:
    return "chatcmpl-" + uuid.uuid4().hex[:24]


def chunk(
    completion_id: str,
    model: str,
    *,
    content: str | None = None,
    role: str | None = None,
    finish_reason: str | None = None,
    created: int | None = None,
) -> ChatCompletionChunk:
    delta = ChoiceDelta(content=content, role=role)
    return ChatCompletionChunk(
        id=completion_id,
        object="chat.completion.chunk",
        created=created or int(time.time()),
        model=model,
        choices=[Choice(index=0, delta=delta, finish_reason=finish_reason)],
    )


def usage_chunk(
    completion_id: str, model: str, *, prompt_tokens: int, completion_tokens: int, created: int | None = None
) -> ChatCompletionChunk:
    return ChatCompletionChunk(
        id=completion_id,
        object="chat.completion.chunk",
        created=created or int(time.time()),
        model=model,
        choices=[],
        usage=CompletionUsage(
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            total_tokens=prompt_tokens + completion_tokens,
        ),
    )


SSE_DONE = b"data: [DONE]\n\n"


def sse_data(c: ChatCompletionChunk) -> bytes:
    """One OpenAI stream chunk as the SDKs read it (unset fields left out, as the upstream sends them)."""
    return b"data: " + c.model_dump_json(exclude_unset=True).encode() + b"\n\n"


def sse_json(payload: object) -> bytes:
    """An unnamed SSE data line (the OpenAI stream's mid-stream error object)."""
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def sse(event: str, data: object) -> dict[str, str]:
    """An sse-starlette event: a name and a compact JSON payload."""
    return {"event": event, "data": json.dumps(data, separators=(",", ":"), default=str)}


def completion(
    completion_id: str,
    model: str,
    text: str,
    *,
    finish_reason: str,
    prompt_tokens: int,
    completion_tokens: int,
    created: int | None = None,
) -> ChatCompletion:
    return ChatCompletion(
        id=completion_id,
        object="chat.completion",
        created=created or int(time.time()),
        model=model,
        choices=[
            CompletionChoice(
                index=0,
                finish_reason=finish_reason,
                message=ChatCompletionMessage(role="assistant", content=text),
            )
        ],
        usage=CompletionUsage(
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            total_tokens=prompt_tokens + completion_tokens,
        ),
    )
