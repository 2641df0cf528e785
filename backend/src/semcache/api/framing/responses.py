"""The OpenAI Responses API wire format: `response` objects and the Responses streaming events (named SSE
events with increasing sequence numbers, encoded by sse-starlette), and the stream and body of a gateway answer.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

from fastapi.responses import JSONResponse, Response
from pydantic import JsonValue
from sse_starlette import ServerSentEvent

from semcache.api.framing.gateway import error_response
from semcache.errors import LLMError
from semcache.events import ColumnDone, Delta, GatewayAnswer
from semcache.result import ErrorInfo
from semcache.schemas.responses import ResponsesRequest

__all__ = ["EventWriter", "Usage", "collect", "new_ids", "response_object", "stream"]

Json = dict[str, JsonValue]


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
        # "\n" as the separator, as the OpenAI API sends it (sse-starlette's default is "\r\n").
        return ServerSentEvent(json.dumps(data, separators=(",", ":")), event=kind, sep="\n").encode()

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


async def stream(answer: GatewayAnswer, writer: EventWriter) -> AsyncIterator[bytes]:
    """The Responses streaming events of a gateway answer, `response.failed` on a mid-stream error."""
    yield writer.start()
    async for event in answer.events():
        if isinstance(event, Delta) and event.text:
            yield writer.delta(event.text)
        elif isinstance(event, ColumnDone):
            result = event.result
            if result.status == "error":
                err = result.error or ErrorInfo.of(LLMError("the LLM failed"))
                yield writer.fail(err.code, err.message)
                return
            usage = Usage(*answer.usage(result))
            yield writer.finish(finish_reason=result.finish_reason or "stop", usage=usage)


async def collect(answer: GatewayAnswer, body: ResponsesRequest, model: str, headers: dict[str, str]) -> Response:
    """One `response` object, or the error response."""
    started = time.time()
    text, result = await answer.collected()
    if result.status == "error":
        return error_response(result.error, headers)
    reply = response_object(
        body,
        ids=new_ids(),
        model=model,
        created_at=started,
        text=text,
        finish_reason=result.finish_reason or "stop",
        usage=Usage(*answer.usage(result)),
    )
    return JSONResponse(reply, headers=headers)
