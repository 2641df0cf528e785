"""A loopback OpenAI-compatible upstream with a fixed latency to the first token (its own process).

`python -m bench.upstream --port P --delay-ms D`: every chat completion waits D ms, then streams a short
answer in a few chunks. Fixed latency makes "through the cache minus direct" the cache's own cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import AsyncIterator

ANSWER = ("A fixed answer from the benchmark upstream, streamed in a few chunks. ",) * 4


def build_app(delay_s: float):  # type: ignore[no-untyped-def]  # starlette's app type is not worth importing here
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response, StreamingResponse
    from starlette.routing import Route

    def chunk(model: str, delta: dict[str, str], finish: str | None = None) -> bytes:
        body = {
            "id": "chatcmpl-bench",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return b"data: " + json.dumps(body).encode() + b"\n\n"

    async def stream(model: str) -> AsyncIterator[bytes]:
        yield chunk(model, {"role": "assistant", "content": ""})
        for piece in ANSWER:
            yield chunk(model, {"content": piece})
        yield chunk(model, {}, "stop")
        yield b"data: [DONE]\n\n"

    async def chat(request: Request) -> Response:
        body = await request.json()
        model = str(body.get("model") or "bench-model")
        await asyncio.sleep(delay_s)
        if body.get("stream"):
            return StreamingResponse(stream(model), media_type="text/event-stream")
        return JSONResponse(
            {
                "id": "chatcmpl-bench",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "usage": {"prompt_tokens": 10, "completion_tokens": 40, "total_tokens": 50},
                "choices": [
                    {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "".join(ANSWER)}}
                ],
            }
        )

    async def models(request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": "bench-model", "object": "model", "owned_by": "b"}]})

    return Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"]), Route("/v1/models", models)])


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, default=50.0)
    args = parser.parse_args()
    uvicorn.run(build_app(args.delay_ms / 1000), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
