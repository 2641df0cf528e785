"""One record per concept: what one answer path (raw LLM, or the cache) produced for one request.

The service fills a `ColumnResult`; `/ask` sends it as is (plus the cache document), the telemetry event is
derived from it (`telemetry/events.py`), and the gateways answer its typed error with the status the error
hierarchy gives its code (`errors.status_for`). A new field is one edit here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from semcache.errors import SemcacheError, status_for

__all__ = ["Column", "ColumnResult", "ErrorInfo", "LookupStatus", "Measures", "Path", "Status"]

Column = Literal["raw", "cache"]
#: Where a result was produced: the raw column, the cache column of /ask, or the OpenAI-compatible gateway.
Path = Literal["raw", "cache", "gateway"]
#: How the cache lookup went (the cache document's status).
LookupStatus = Literal["hit", "miss", "bypass"]
#: How an answer path ended: `ok` is the raw column's success, the others are the cache column's.
Status = Literal["ok", "hit", "miss", "bypass", "error"]


class ErrorInfo(BaseModel):
    """A failure as the client sees it: the error hierarchy's code and message."""

    code: str
    message: str

    @classmethod
    def of(cls, error: SemcacheError) -> ErrorInfo:
        return cls(code=error.code, message=error.message)

    @property
    def http_status(self) -> int:
        return status_for(self.code)


class Measures(BaseModel):
    """How an answer path ended, how fast, what it cost and saved: shared by the result and its telemetry."""

    status: Status
    model: str
    similarity: float | None = None
    latency_ms: float = 0.0
    ttft_ms: float | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    tokens_saved: int = 0
    cost_usd: float = 0.0
    cost_saved_usd: float = 0.0


class ColumnResult(Measures):
    """Mutable while its column runs (plain attribute writes, no validation on assignment)."""

    column: Column
    text: str = ""
    source: str | None = None
    distance: float | None = None
    stored: bool = False
    stored_id: str | None = None
    entry_id: str | None = None
    finish_reason: str | None = None
    error: ErrorInfo | None = None
    reason: str | None = None
