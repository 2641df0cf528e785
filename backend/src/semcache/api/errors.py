"""One place that turns errors into HTTP responses with a JSON body (never an HTML page, never a trace)."""

from __future__ import annotations

import json
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from semcache.errors import RateLimitedError, SemcacheError, status_for

__all__ = ["error_body", "install", "upstream_error_body"]

log = logging.getLogger(__name__)


#: OpenAI's error `type` for an HTTP status (what SDKs and clients that branch on it expect).
_OPENAI_TYPES = {401: "authentication_error", 403: "permission_error", 404: "not_found_error", 429: "rate_limit_error"}


def _openai_type(code: str) -> str:
    digits = code.removeprefix("http_")
    status = int(digits) if digits.isdigit() else status_for(code)
    if status in _OPENAI_TYPES:
        return _OPENAI_TYPES[status]
    return "invalid_request_error" if status < 500 else "server_error"


def error_body(code: str, message: str, detail: object = None, *, param: str | None = None) -> dict[str, object]:
    """OpenAI's error shape (message, type, param, code), which every OpenAI client reads, plus our detail."""
    return {"error": {"message": message, "type": _openai_type(code), "param": param, "code": code, "detail": detail}}


def upstream_error_body(status: int, content: bytes, *, what: str) -> dict[str, object]:
    """An upstream's error response in OpenAI's shape: kept as it is when it has that shape, else its message
    (FastAPI's `detail`, or the text) wrapped, saying which upstream call failed (`what`)."""
    try:
        body = json.loads(content)
    except ValueError:
        body = content.decode("utf-8", "replace")
    if isinstance(body, dict) and isinstance(body.get("error"), dict) and "message" in body["error"]:
        return body
    message = body.get("detail") if isinstance(body, dict) else body
    text = " ".join(str(message or "").split())[:300]
    return error_body("llm_bad_request" if status < 500 else "llm_error", f"{what} ({status}): {text or 'no message'}")


async def _semcache_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, SemcacheError)
    headers = {}
    if isinstance(exc, RateLimitedError):
        headers["Retry-After"] = str(exc.retry_after_s)
    if exc.status_code == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(error_body(exc.code, exc.message, exc.detail), exc.status_code, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()]
    first = detail[0] if detail else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(p) for p in first["loc"] if p != "body") or "request"
    return JSONResponse(error_body("invalid_request", f"{where}: {first['msg']}", detail, param=where), 422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = str(exc.detail)
    if exc.status_code in (404, 405) and message in ("Not Found", "Method Not Allowed"):
        # The router's own 404/405: say which call has no route (an SDK shows only this message).
        message = f"{message}: no route for {request.method} {request.url.path}"
    return JSONResponse(error_body(f"http_{exc.status_code}", message), exc.status_code, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse(error_body("internal_error", "internal error; see the service log"), 500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(SemcacheError, _semcache_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
