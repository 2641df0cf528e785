"""A minimal OpenAI-compatible upstream for load tests: answers "Answer to: <prompt>" after a fixed
latency, streamed word by word or in one body. No scripted faults: the load test's fault is Redis."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from semcache.local.process import free_port


def _prompt(body: dict[str, object]) -> str:
    messages = body.get("messages")
    if isinstance(messages, list) and messages and isinstance(messages[-1], dict):
        return str(messages[-1].get("content") or "")
    return ""


def build_app(latency_s: float) -> FastAPI:
    app = FastAPI()
    app.state.calls = 0

    @app.get("/v1/models")
    async def models() -> dict[str, object]:
        return {"object": "list", "data": [{"id": "load-model", "object": "model", "owned_by": "load"}]}

    @app.post("/v1/chat/completions", response_model=None)
    async def chat(request: Request) -> Response:
        body = await request.json()
        app.state.calls += 1
        answer = f"Answer to: {_prompt(body)}"
        model = str(body.get("model") or "load-model")
        await asyncio.sleep(latency_s)  # the model "thinking" before its first token
        cid, created = "chatcmpl-" + uuid.uuid4().hex[:12], int(time.time())
        if not body.get("stream"):
            return JSONResponse(
                {
                    "id": cid,
                    "object": "chat.completion",
                    "created": created,
                    "model": model,
                    "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
                    "choices": [
                        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": answer}}
                    ],
                }
            )
        return StreamingResponse(_chunks(cid, created, model, answer), media_type="text/event-stream")

    return app


async def _chunks(cid: str, created: int, model: str, answer: str) -> AsyncIterator[bytes]:
    def event(delta: dict[str, str], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        payload = {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [choice],
        }
        return f"data: {json.dumps(payload)}\n\n".encode()

    yield event({"role": "assistant", "content": ""})
    for word in re.findall(r"\S+\s*", answer):
        yield event({"content": word})
    yield event({}, "stop")
    yield b"data: [DONE]\n\n"


class ThreadServer:
    """uvicorn on 127.0.0.1 in a daemon thread with its own event loop."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, name=f"upstream-{self.port}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, timeout_s: float = 30.0) -> ThreadServer:
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the load-test upstream did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)
