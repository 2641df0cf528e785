"""What both OpenAI-compatible APIs (chat completions and Responses) answer with besides their body: the
x-semcache-* headers that say where an answer came from, and the error response."""

from __future__ import annotations

import time

from fastapi.responses import JSONResponse

from semcache.api.errors import error_body
from semcache.errors import LLMError
from semcache.events import CacheDocument
from semcache.result import ErrorInfo

__all__ = ["STATUS", "bypass_headers", "error_response", "headers"]

STATUS = {
    "hit-exact": "HIT-EXACT",
    "hit-semantic": "HIT-SEMANTIC",
    "miss": "MISS",
    "bypass": "BYPASS",
    "error": "ERROR",
}


def _ascii(reason: str) -> str:
    return reason.encode("ascii", "replace").decode()[:200]


def headers(doc: CacheDocument, *, error: bool = False) -> dict[str, str]:
    lookup = doc.lookup
    key = "error" if error else ("bypass" if lookup is None else "miss")
    out = {}
    if lookup is not None and lookup.hit and lookup.match is not None:
        key = f"hit-{lookup.source}"
        out["x-semcache-similarity"] = f"{lookup.match.similarity:.4f}"
        out["x-semcache-entry"] = lookup.match.entry.id
        out["Age"] = str(max(0, int(time.time() - lookup.match.entry.created_at)))
    out["x-semcache-status"] = STATUS[key]
    if key.startswith("hit-"):
        out["x-semcache-billed-tokens"] = "0"  # usage reports the stored answer's tokens; none were spent
    if doc.reason:
        out["x-semcache-reason"] = _ascii(doc.reason)
    return out


def bypass_headers(reason: str) -> dict[str, str]:
    """A request the cache never keys, sent upstream as it came."""
    return {"x-semcache-status": "BYPASS", "x-semcache-reason": _ascii(reason)}


def error_response(error: ErrorInfo | None, headers: dict[str, str]) -> JSONResponse:
    error = error or ErrorInfo.of(LLMError("the LLM failed"))
    headers = {**headers, "x-semcache-status": "ERROR"}
    return JSONResponse(error_body(error.code, error.message), error.http_status, headers=headers)
