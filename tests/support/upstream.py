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

Otherwise the answer is `answer_for(prompt)` if a test set that and it answers, else `answers[prompt]` if a
test set one, else "Answer to: <prompt>".

A request for a GPT-5 class model (its name starts with gpt-5, or `state.reasoning` is set) is served the way
Azure OpenAI serves one: `max_tokens` and non-default sampling parameters are refused with the API's 400s, a
`reasoning_effort` the model does not take too (gpt-5.4-mini: none, xhigh), and the answer first spends
hidden reasoning tokens (`REASONING_SPEND` by effort, medium when none is sent) out of
`max_completion_tokens`. What is left is the visible answer: nothing left gives an empty answer with
finish_reason "length", as the real model does; the usage reports them in completion_tokens_details.

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
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from tests.support.live import LiveServer

#: The `refusal` field's text under [[refusalfield]] (the answer's own text stays an ordinary answer).
REFUSAL = "I can't provide that."
_DIRECTIVE = re.compile(r"\[\[(\w+)(?::([\d.]+))?\]\]")


#: Reasoning tokens a short answer spends per effort (the order of what gpt-5-mini reports at each).
REASONING_SPEND = {"none": 0, "minimal": 40, "low": 300, "medium": 1500, "high": 6000, "xhigh": 12000}
SAMPLING_DEFAULTS: dict[str, object] = {"temperature": 1, "top_p": 1, "presence_penalty": 0, "frequency_penalty": 0}
SAMPLING = (*SAMPLING_DEFAULTS, "logprobs", "top_logprobs", "logit_bias")
#: The efforts a model refuses, as the service answers them (issue 30: gpt-5.4-mini takes neither).
REFUSED_EFFORTS = {"gpt-5.4-mini": ("none", "xhigh")}


def _invalid(param: str, code: str, message: str) -> JSONResponse:
    body = {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}}
    return JSONResponse(body, status_code=400)


def reasoning_rejects(body: dict[str, object]) -> JSONResponse | None:
    """The 400 a GPT-5 class model answers to parameters it does not take, or None."""
    if "max_tokens" in body:
        return _invalid(
            "max_tokens",
            "unsupported_parameter",
            "Unsupported parameter: 'max_tokens' is not supported with this model. "
            "Use 'max_completion_tokens' instead.",
        )
    for param in SAMPLING:
        if param in body and body[param] != SAMPLING_DEFAULTS.get(param):
            return _invalid(
                param,
                "unsupported_value",
                f"Unsupported value: '{param}' does not support {body[param]} with this model. "
                "Only the default (1) value is supported.",
            )
    effort = body.get("reasoning_effort")
    model = str(body.get("model") or "")
    refused = next((v for name, v in REFUSED_EFFORTS.items() if model.startswith(name)), ())
    if effort in refused or (effort is not None and effort not in REASONING_SPEND):
        return _invalid(
            "reasoning_effort",
            "unsupported_value",
            f"Unsupported value: 'reasoning_effort' does not support '{effort}' with this model.",
        )
    return None


@dataclass(frozen=True)
class Spent:
    """A reasoning model's answer within its budget."""

    text: str
    finish: str
    completion_tokens: int
    reasoning_tokens: int


def spend_reasoning(body: dict[str, object], answer: str, finish: str, spend: dict[str, int] | None = None) -> Spent:
    """Reasoning first, then the visible words, all out of max_completion_tokens (one token per word)."""
    reasoning = (spend or REASONING_SPEND)[str(body.get("reasoning_effort") or "medium")]
    limit = body.get("max_completion_tokens")
    words = _words(answer) if answer else []
    if not isinstance(limit, int) or reasoning + len(words) <= limit:
        return Spent(answer, finish, reasoning + len(words), reasoning)
    if reasoning >= limit:
        return Spent("", "length", limit, limit)
    return Spent("".join(words[: limit - reasoning]), "length", limit, reasoning)


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
    #: Answers computed per call (tests/support/labelled.py); None from it falls back to `answers`.
    answer_for: Callable[[str], str | None] | None = None
    #: When set, every chat call fails with this HTTP status (as `[[status:N]]` does for one prompt).
    error_status: int | None = None
    #: Serve every request as a GPT-5 class model, whatever its name.
    reasoning: bool = False
    #: Reasoning tokens spent per effort (a test makes the model think longer than the service expects).
    spend: dict[str, int] = field(default_factory=lambda: dict(REASONING_SPEND))
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
        if "status" in directives or state.error_status is not None:
            return _error(int(directives.get("status") or state.error_status or 500), "scripted failure")
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
        computed = state.answer_for(prompt) if state.answer_for is not None else None
        answer = computed or state.answers.get(prompt, f"Answer to: {_DIRECTIVE.sub('', prompt).strip()}")
        finish = "stop"
        if "refuse" in directives:
            answer = "I'm sorry, but I can't help with that."
        if "length" in directives:
            finish = "length"
        if "empty" in directives:
            answer = ""
        refusal = REFUSAL if "refusalfield" in directives else None
        model = str(body.get("model") or state.model)
        usage: dict[str, object] = {
            "prompt_tokens": 11,
            "completion_tokens": len(_words(answer)),
            "total_tokens": 11 + len(_words(answer)),
        }
        if state.reasoning or model.startswith("gpt-5"):
            if (rejection := reasoning_rejects(body)) is not None:
                return rejection
            spent = spend_reasoning(body, answer, finish, state.spend)
            answer, finish = spent.text, spent.finish
            usage = {
                "prompt_tokens": 11,
                "completion_tokens": spent.completion_tokens,
                "total_tokens": 11 + spent.completion_tokens,
                "completion_tokens_details": {"reasoning_tokens": spent.reasoning_tokens},
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
    usage: dict[str, object] | None,
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
