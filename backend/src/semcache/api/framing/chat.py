"""The OpenAI chat completions wire format: chunk and completion objects, their SSE data lines (sse-starlette,
as the SDKs read them: unnamed `data:` lines, `[DONE]` last), and the stream and body of a gateway answer."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator

from fastapi.responses import JSONResponse, Response
from openai.types.chat import ChatCompletion, ChatCompletionChunk, ChatCompletionMessage
from openai.types.chat.chat_completion import Choice as CompletionChoice
from openai.types.chat.chat_completion_chunk import Choice, ChoiceDelta
from openai.types.completion_usage import CompletionUsage
from sse_starlette import ServerSentEvent

from semcache.api.errors import error_body
from semcache.api.framing.gateway import error_response
from semcache.errors import LLMError
from semcache.events import ColumnDone, Delta, GatewayAnswer
from semcache.result import ErrorInfo
from semcache.schemas.openai import ChatRequest

__all__ = [
    "SSE_DONE",
    "chunk",
    "collect",
    "completion",
    "new_completion_id",
    "sse_data",
    "sse_json",
    "stream",
    "usage_chunk",
]


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


def _line(data: str) -> bytes:
    # "\n" as the separator, as the OpenAI API sends it (sse-starlette's default is "\r\n").
    return ServerSentEvent(data, sep="\n").encode()


SSE_DONE = _line("[DONE]")


def sse_data(c: ChatCompletionChunk) -> bytes:
    """One OpenAI stream chunk as the SDKs read it (unset fields left out, as the upstream sends them)."""
    return _line(c.model_dump_json(exclude_unset=True))


def sse_json(payload: object) -> bytes:
    """An unnamed SSE data line (the OpenAI stream's mid-stream error object)."""
    return _line(json.dumps(payload))


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


async def stream(answer: GatewayAnswer, body: ChatRequest, include_usage: bool) -> AsyncIterator[bytes]:
    """The OpenAI stream: a miss forwards the upstream's chunks as sent, a hit replays the entry as chunks;
    the usage chunk when asked for (`stream_options.include_usage`); a mid-stream error object; `[DONE]`."""
    cid, model, created = new_completion_id(), body.model or "", int(time.time())
    replay = answer.replayed
    usage_seen = False
    async for event in answer.events():
        if isinstance(event, Delta):
            if event.chunk is not None:  # a live upstream chunk: forward it as the upstream sent it
                if event.chunk.usage is not None:
                    usage_seen = True
                    if not include_usage:
                        continue
                yield sse_data(event.chunk)
            elif replay:
                model = model or answer.entry_model
                yield sse_data(chunk(cid, model, content=event.text, created=created))
        elif isinstance(event, ColumnDone):
            result = event.result
            if result.status == "error":
                err = result.error or ErrorInfo(code="", message="")
                yield sse_json(error_body(err.code, err.message))  # OpenAI's shape, as before the stream began
                return
            if replay:
                yield sse_data(chunk(cid, model, finish_reason="stop", created=created))
            if include_usage and (replay or not usage_seen):
                prompt, completion_tokens = answer.usage(result)
                yield sse_data(
                    usage_chunk(
                        cid,
                        model or result.model,
                        prompt_tokens=prompt,
                        completion_tokens=completion_tokens,
                        created=created,
                    )
                )
    yield SSE_DONE


async def collect(answer: GatewayAnswer, body: ChatRequest, headers: dict[str, str]) -> Response:
    """One `chat.completion` body (the upstream's id, created and model on a miss), or the error response."""
    parts: list[str] = []
    cid, created, model = new_completion_id(), int(time.time()), body.model or ""
    async for event in answer.events():
        if isinstance(event, Delta):
            parts.append(event.text)
            if event.chunk is not None:
                cid, created, model = event.chunk.id, event.chunk.created, event.chunk.model
        elif isinstance(event, ColumnDone):
            result = event.result
            if result.status == "error":
                return error_response(result.error, headers)
            prompt, completion_tokens = answer.usage(result)
            reply = completion(
                cid,
                model or result.model,
                "".join(parts),
                finish_reason=result.finish_reason or "stop",
                prompt_tokens=prompt,
                completion_tokens=completion_tokens,
                created=created,
            )
            return JSONResponse(reply.model_dump(exclude_none=True), headers=headers)
    raise LLMError("the cache column ended without a result")
