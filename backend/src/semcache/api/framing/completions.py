"""The legacy completions wire format (`/v1/completions`): `text_completion` objects, streamed as unnamed SSE
data lines with `[DONE]` last, or one body."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator

from fastapi.responses import JSONResponse, Response
from pydantic import JsonValue

from semcache.api.errors import error_body
from semcache.api.framing.chat import SSE_DONE, sse_json
from semcache.api.framing.gateway import error_response
from semcache.errors import LLMError
from semcache.events import ColumnDone, Delta, GatewayAnswer
from semcache.result import ErrorInfo

__all__ = ["collect", "new_completion_id", "stream", "text_completion"]


def new_completion_id() -> str:
    return "cmpl-" + uuid.uuid4().hex[:24]


def text_completion(
    completion_id: str,
    model: str,
    text: str,
    *,
    finish_reason: str | None,
    usage: tuple[int, int] | None = None,
    created: int | None = None,
) -> dict[str, JsonValue]:
    """A `text_completion` object: the whole answer, or (finish_reason None) one stream chunk."""
    choice: dict[str, JsonValue] = {"index": 0, "text": text, "logprobs": None, "finish_reason": finish_reason}
    body: dict[str, JsonValue] = {
        "id": completion_id,
        "object": "text_completion",
        "created": created or int(time.time()),
        "model": model,
        "choices": [choice],
    }
    if usage is not None:
        body["usage"] = {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)}
    return body


async def stream(answer: GatewayAnswer, model: str, include_usage: bool) -> AsyncIterator[bytes]:
    """Text chunks, a last chunk with the upstream's finish reason, the usage chunk when asked for, `[DONE]`;
    a mid-stream error object instead of the end when the upstream failed."""
    cid, created = new_completion_id(), int(time.time())
    async for event in answer.events():
        if isinstance(event, Delta) and event.text:
            yield sse_json(text_completion(cid, model, event.text, finish_reason=None, created=created))
        elif isinstance(event, ColumnDone):
            result = event.result
            if result.status == "error":
                err = result.error or ErrorInfo.of(LLMError("the LLM failed"))
                yield sse_json(error_body(err.code, err.message))  # OpenAI's shape, as before the stream began
                return
            model = model or result.model
            yield sse_json(text_completion(cid, model, "", finish_reason=result.finish_reason, created=created))
            if include_usage:
                usage = answer.usage(result)
                last = text_completion(cid, model, "", finish_reason=None, usage=usage, created=created)
                yield sse_json({**last, "choices": []})
    yield SSE_DONE


async def collect(answer: GatewayAnswer, model: str, headers: dict[str, str]) -> Response:
    """One `text_completion` body, or the error response."""
    text, result = await answer.collected()
    if result.status == "error":
        return error_response(result.error, headers)
    body = text_completion(
        new_completion_id(),
        model or result.model,
        text,
        finish_reason=result.finish_reason,
        usage=answer.usage(result),
    )
    return JSONResponse(body, headers=headers)
