"""A loopback server that speaks the OpenAI chat API, with scripted behaviour for the error cases the
real model cannot produce on demand. Directives in the last user message steer it:

  [[status:429]] / [[status:500]]   answer with that HTTP error (OpenAI's JSON error body)
  [[fail:N]]                        fail the first N calls for this prompt with 500, then answer
  [[sleep:S]]                       wait S seconds before answering
  [[cut]]                           stream a few chunks, then drop the connection mid-answer
  [[refuse]]                        answer with a refusal
  [[refusalfield]]                  answer as usual, with the API's `refusal` field set beside the text
  [[length]]                        stop with finish_reason "length" (a truncated answer)
  [[empty]]                         answer with no content
  [[slowchunks:S]]                  wait S seconds between chunks
  [[hold]]                          set `state.held` on arrival, answer only once the test sets `state.release`
  [[nofinish]]                      stream the answer, then a bare [DONE] with no finish reason (what
                                    llama.cpp's server sends for a request it interrupts)

Otherwise the answer is `answers[prompt]` if a test set one, else "Answer to: <prompt>".

It also speaks the Responses API (`POST /v1/responses`, streaming and not) for what semcache forwards there
untouched: with function tools it calls the first one; `[[status:N]]` works as above.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from tests.support.live import LiveServer

#: The `refusal` field's text under [[refusalfield]] (the answer's own text stays an ordinary answer).
REFUSAL = "I can't provide that."
_DIRECTIVE = re.compile(r"\[\[(\w+)(?::([\d.]+))?\]\]")


@dataclass
class UpstreamState:
    answers: dict[str, str] = field(default_factory=dict)
    calls: list[dict[str, object]] = field(default_factory=list)
    response_calls: list[dict[str, object]] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    cancelled: int = 0
    completed: int = 0
    in_flight: int = 0
    delay_s: float = 0.0
    chunk_delay_s: float = 0.0
    model: str = "upstream-test-model"
    #: [[hold]]: the upstream has the call (so the service's lookup is done), and may answer it.
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def calls_for(self, fragment: str) -> int:
        return sum(1 for c in self.calls if fragment in _last_user(c))


def _last_user(body: dict[str, object]) -> str:
    messages = body.get("messages") or []
    assert isinstance(messages, list)
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else json.dumps(content)
    return ""


def _error(status: int, message: str) -> JSONResponse:
    kind = "rate_limit_exceeded" if status == 429 else "server_error"
    return JSONResponse({"error": {"message": message, "type": kind, "code": kind}}, status_code=status)


def _words(text: str) -> list[str]:
    return re.findall(r"\S+\s*", text) or [text]


def build_app(state: UpstreamState) -> FastAPI:
    app = FastAPI()

    @app.get("/v1/models")
    async def models() -> dict[str, object]:
        return {"object": "list", "data": [{"id": state.model, "object": "model", "owned_by": "test"}]}

    @app.post("/v1/chat/completions", response_model=None)
    async def chat(request: Request) -> Response:
        body = await request.json()
        state.calls.append(body)
        prompt = _last_user(body)
        directives = {name: value for name, value in _DIRECTIVE.findall(prompt)}
        if "status" in directives:
            return _error(int(directives["status"]), "scripted failure")
        if "fail" in directives and state.failures[prompt] < int(directives["fail"]):
            state.failures[prompt] += 1
            return _error(500, "scripted transient failure")
        if "hold" in directives:
            state.held.set()
            released = await asyncio.to_thread(state.release.wait, 60.0)
            assert released, "[[hold]]: the test never set state.release"
        delay = float(directives.get("sleep") or state.delay_s)
        if delay:
            await asyncio.sleep(delay)
        answer = state.answers.get(prompt, f"Answer to: {_DIRECTIVE.sub('', prompt).strip()}")
        finish = "stop"
        if "refuse" in directives:
            answer = "I'm sorry, but I can't help with that."
        if "length" in directives:
            finish = "length"
        if "empty" in directives:
            answer = ""
        refusal = REFUSAL if "refusalfield" in directives else None
        model = str(body.get("model") or state.model)
        usage = {
            "prompt_tokens": 11,
            "completion_tokens": len(_words(answer)),
            "total_tokens": 11 + len(_words(answer)),
        }
        if not body.get("stream"):
            state.completed += 1
            return JSONResponse(
                {
                    "id": "chatcmpl-" + uuid.uuid4().hex[:12],
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": model,
                    "usage": usage,
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": finish,
                            "message": {"role": "assistant", "content": answer, "refusal": refusal},
                        }
                    ],
                }
            )
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        chunk_delay = float(directives.get("slowchunks") or state.chunk_delay_s)
        return StreamingResponse(
            _stream(
                state,
                model,
                answer,
                None if "nofinish" in directives else finish,
                usage if include_usage else None,
                chunk_delay,
                "cut" in directives,
                refusal,
            ),
            media_type="text/event-stream",
        )

    @app.post("/v1/responses", response_model=None)
    async def responses(request: Request) -> Response:
        body = await request.json()
        state.response_calls.append(body)
        prompt = _responses_text(body)
        directives = {name: value for name, value in _DIRECTIVE.findall(prompt)}
        if "status" in directives:
            return _error(int(directives["status"]), "scripted failure")
        tools = body.get("tools") or []
        if tools:
            item: dict[str, object] = {
                "type": "function_call",
                "id": "fc_" + uuid.uuid4().hex[:12],
                "call_id": "call_" + uuid.uuid4().hex[:12],
                "name": tools[0].get("name", "tool"),
                "arguments": "{}",
                "status": "completed",
            }
        else:
            answer = state.answers.get(prompt, f"Answer to: {prompt}")
            content = [{"type": "output_text", "text": answer, "annotations": []}]
            item = {"type": "message", "id": "msg_1", "status": "completed", "role": "assistant", "content": content}
        response: dict[str, Any] = {
            "id": "resp_" + uuid.uuid4().hex[:12],
            "object": "response",
            "created_at": int(time.time()),
            "status": "completed",
            "model": str(body.get("model") or state.model),
            "output": [item],
            "parallel_tool_calls": True,
            "tool_choice": body.get("tool_choice", "auto"),
            "tools": tools,
            "usage": {"input_tokens": 11, "output_tokens": 3, "total_tokens": 14},
        }
        if not body.get("stream"):
            return JSONResponse(response)

        async def events() -> AsyncIterator[bytes]:
            sequence: list[dict[str, Any]] = [
                {"type": "response.created", "response": {**response, "status": "in_progress", "output": []}},
                {"type": "response.output_item.done", "output_index": 0, "item": item},
                {"type": "response.completed", "response": response},
            ]
            for n, event in enumerate(sequence):
                yield f"event: {event['type']}\ndata: {json.dumps({**event, 'sequence_number': n})}\n\n".encode()

        return StreamingResponse(events(), media_type="text/event-stream")

    return app


def _responses_text(body: dict[str, object]) -> str:
    """The text of the last user input of a Responses request."""
    value = body.get("input")
    if isinstance(value, str):
        return value
    for item in reversed(value if isinstance(value, list) else []):
        if isinstance(item, dict) and item.get("role") == "user":
            content = item.get("content")
            if isinstance(content, str):
                return content
            return " ".join(str(p.get("text", "")) for p in content or [] if isinstance(p, dict))
    return ""


async def _stream(
    state: UpstreamState,
    model: str,
    answer: str,
    finish: str | None,
    usage: dict[str, int] | None,
    chunk_delay: float,
    cut: bool,
    refusal: str | None = None,
) -> AsyncIterator[bytes]:
    cid, created = "chatcmpl-" + uuid.uuid4().hex[:12], int(time.time())

    def event(delta: dict[str, object], finish_reason: str | None = None, **extra: object) -> bytes:
        payload = {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
            **extra,
        }
        return f"data: {json.dumps(payload)}\n\n".encode()

    state.in_flight += 1
    try:
        yield event({"role": "assistant", "content": ""})
        for i, word in enumerate(_words(answer) if answer else []):
            if cut and i == 2:
                raise ConnectionResetError("scripted cut")  # uvicorn drops the connection mid-body
            if chunk_delay:
                await asyncio.sleep(chunk_delay)
            yield event({"content": word, "refusal": refusal} if refusal and i == 0 else {"content": word})
        if finish is not None:
            yield event({}, finish)
        if usage is not None and finish is not None:
            tail = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model, "choices": []}
            yield f"data: {json.dumps({**tail, 'usage': usage})}\n\n".encode()
        yield b"data: [DONE]\n\n"
        state.completed += 1
    except asyncio.CancelledError:
        state.cancelled += 1
        raise
    finally:
        state.in_flight -= 1


class Upstream:
    """The server and its state; `url` is the base URL an OpenAI client takes (ends in /v1)."""

    def __init__(self) -> None:
        self.state = UpstreamState()
        self.server = LiveServer(build_app(self.state))

    @property
    def url(self) -> str:
        return self.server.url + "/v1"

    def start(self) -> Upstream:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()
