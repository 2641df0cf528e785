"""/ask's wire formats: the named SSE events of /ask/stream (sse-starlette, compact JSON data) and the JSON body
of /ask, from the service's framing-neutral column events."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

from sse_starlette import ServerSentEvent

from semcache.events import CacheDocument, ColumnDone, ColumnEvent, ColumnStart, Delta
from semcache.schemas.ask import AskResponse, CacheDocumentOut, ColumnOut

__all__ = ["EMBEDDING_PREVIEW", "collect", "column_out", "document_out", "frame", "sse", "stream"]

#: How many leading numbers of the query vector the cache document shows.
EMBEDDING_PREVIEW = 8


def sse(event: str, data: object) -> ServerSentEvent:
    """A named event with a compact JSON payload."""
    return ServerSentEvent(json.dumps(data, separators=(",", ":"), default=str), event=event)


def document_out(dims: int, doc: CacheDocument) -> CacheDocumentOut:
    lookup = doc.lookup
    best = (
        lookup.match
        if lookup is not None and lookup.match
        else (lookup.candidates[0] if lookup and lookup.candidates else None)
    )
    vector = (
        []
        if lookup is None or lookup.vector is None
        else [round(float(x), 5) for x in lookup.vector[:EMBEDDING_PREVIEW]]
    )
    return CacheDocumentOut(
        status=doc.status,
        source=lookup.source if lookup else None,
        doc_id=best.entry.id if best else None,
        prompt=best.entry.prompt if best else None,
        similarity=best.similarity if best else None,
        distance=best.distance if best else None,
        threshold_similarity=1.0 - doc.threshold,
        threshold_distance=doc.threshold,
        query=lookup.query if lookup else {},
        embedding=vector,
        dims=dims,
        reason=doc.reason,
    )


def column_out(done: ColumnDone, document: CacheDocumentOut | None = None) -> ColumnOut:
    return ColumnOut(**dict(done.result), document=document)


def frame(dims: int, event: ColumnEvent) -> ServerSentEvent:
    if isinstance(event, ColumnStart):
        return sse("column_start", {"column": event.column, "model": event.model, "started_at": time.time()})
    if isinstance(event, CacheDocument):
        return sse("cache_document", document_out(dims, event).model_dump())
    if isinstance(event, Delta):
        return sse("content_chunk", {"column": event.column, "text": event.text})
    return sse("column_complete", event.result.model_dump(exclude={"text"}))


async def stream(events: AsyncIterator[ColumnEvent], dims: int) -> AsyncIterator[ServerSentEvent]:
    """/ask/stream: every column event as it happens, then `stream_complete` with the total time."""
    started = time.perf_counter()
    async for event in events:
        if isinstance(event, Delta) and not event.text:
            continue
        yield frame(dims, event)
    yield sse("stream_complete", {"total_ms": (time.perf_counter() - started) * 1000})


async def collect(events: AsyncIterator[ColumnEvent], dims: int, prompt: str) -> AskResponse:
    """/ask: both columns' results in one body, the cache column with its lookup document."""
    columns: dict[str, ColumnOut] = {}
    document: CacheDocumentOut | None = None
    async for event in events:
        if isinstance(event, CacheDocument):
            document = document_out(dims, event)
        elif isinstance(event, ColumnDone):
            out = column_out(event, document if event.result.column == "cache" else None)
            columns[event.result.column] = out
    return AskResponse(prompt=prompt, raw=columns["raw"], cache=columns["cache"])
