"""Body-size limit as pure ASGI middleware (BaseHTTPMiddleware would break streaming cancellation).

A declared `Content-Length` over the limit is refused before one byte is read. A chunked body (no
length) is counted as it arrives; the read that crosses the limit raises HTTPException(413), which
FastAPI's body parsing re-raises to our JSON error handler. Anything that reads the body outside
FastAPI (or a 413 raised after the handler) is answered here, so the client always gets JSON.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from semcache.api.errors import error_body


def _too_large_body(limit: int) -> bytes:
    message = f"request body larger than {limit} bytes (MAX_BODY_BYTES)"
    return json.dumps(error_body("http_413", message)).encode()


async def send_413(send: Send, limit: int) -> None:
    body = _too_large_body(limit)
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def declared_length(scope: Scope) -> int | None:
    """The Content-Length header as a number; None when absent or not a number (the HTTP server has
    already refused a malformed one; the byte count below still applies)."""
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await send_413(send, self.max_bytes)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, f"request body larger than {self.max_bytes} bytes (MAX_BODY_BYTES)")
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except HTTPException as e:
            if e.status_code != 413 or started:
                raise
            await send_413(send, self.max_bytes)
