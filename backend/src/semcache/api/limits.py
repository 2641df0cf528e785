"""Request-body checks as pure ASGI middleware (BaseHTTPMiddleware would break streaming cancellation).

BodySizeLimit: a declared `Content-Length` over the limit is refused before one byte is read. A chunked
body (no length) is counted as it arrives; the read that crosses the limit raises HTTPException(413),
which FastAPI's body parsing re-raises to our JSON error handler. Anything that reads the body outside
FastAPI (or a 413 raised after the handler) is answered here, so the client always gets JSON.

UnicodeGuard: JSON may carry a lone UTF-16 surrogate as the escape `\\ud800`. Python decodes it into a
`str` that cannot be encoded again, and pydantic lets it through `JsonValue` fields and some unions
(chat message content, embeddings input, metadata), so it used to surface later as a 500 (Redis write),
502 (the upstream request) or 503 (the tokenizer). It is refused here, once, for every route.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from semcache.api.errors import error_body

__all__ = ["BodySizeLimit", "UnicodeGuard"]


async def send_json_error(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps(error_body(code, message)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_413(send: Send, limit: int) -> None:
    await send_json_error(send, 413, "http_413", f"request body larger than {limit} bytes (MAX_BODY_BYTES)")


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


def has_lone_surrogate(body: bytes) -> bool:
    """True when a JSON body decodes to a string holding an unpaired UTF-16 surrogate. Only bodies with a
    `\\ud8..`-`\\udf..` escape are parsed (emoji sent as escaped pairs are fine); invalid JSON is left to
    the route, which answers 422 for it."""
    lowered = body.lower()
    if not any(f"\\ud{c}".encode() in lowered for c in "89abcdef"):
        return False
    try:
        data = json.loads(body)
    except ValueError:
        return False
    return _any_bad_string(data)


def _any_bad_string(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return b"json" in value.lower()
    return False


class UnicodeGuard:
    """Reads a JSON request body once (it is bounded by BodySizeLimit, outside this one), refuses it with
    422 if it holds a lone surrogate, and otherwise replays it to the app unchanged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH") or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left before sending it all
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if has_lone_surrogate(body):
            why = "request body: strings must be valid Unicode (a lone surrogate such as \\ud800 is not)"
            await send_json_error(send, 422, "invalid_request", why)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # afterwards: disconnect notices, as the app expects

        await self.app(scope, replay, send)
