"""/cache/import and /cache/export: warm a cache from JSON Lines, and move one between Redis instances or
embedders (`semcache import` / `semcache export` drive these in batches)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from semcache.api.deps import CacheDep, EmbedderDep, GateDep, PrincipalDep, RawStoreDep, SettingsDep
from semcache.api.errors import error_body
from semcache.auth import Principal
from semcache.cache.availability import CacheGate
from semcache.cache.semantic import SemanticCache, embed_keys
from semcache.embeddings.base import Embedder, Vector
from semcache.errors import CacheUnavailableError, ForbiddenError, InvalidInputError
from semcache.schemas.common import ScopeValue
from semcache.schemas.transfer import ImportReport, Refused
from semcache.transfer import MAX_LINES, Parsed, export_line, parse_lines, reusable_vector, scope_of

__all__ = ["WRITERS", "router"]

router = APIRouter(prefix="/cache", tags=["entries"])
#: Entries written concurrently per import request: enough to hide Redis round trips, few enough to leave
#: connections for live traffic.
WRITERS = 16


Admitted = list[tuple[Parsed, dict[str, str]]]


async def _body_text(request: Request) -> str:
    try:
        return (await request.body()).decode("utf-8")
    except UnicodeDecodeError as e:
        raise InvalidInputError("the body is not UTF-8 text") from e


def _admit(
    parsed: list[Parsed], principal: Principal, *, fields: Sequence[str], max_prompt_chars: int
) -> tuple[Admitted, list[Refused]]:
    """The lines that may be stored, each with its scope, and the others with the reason they were refused."""
    ready: Admitted = []
    refused: list[Refused] = []
    for item in parsed:
        try:
            if len(item.line.prompt) > max_prompt_chars:
                raise ValueError(f"prompt longer than MAX_PROMPT_CHARS={max_prompt_chars}")
            ready.append(
                (item, scope_of(item.line, tenant=principal.tenant, is_admin=principal.is_admin, fields=fields))
            )
        except ValueError as e:
            refused.append(Refused(line=item.number, reason=str(e)))
    return ready, refused


async def _vectors(ready: Admitted, embedder: Embedder, gate: CacheGate) -> tuple[list[Vector | None], int]:
    """Each line's vector: its own when this embedder made it, else embedded here in one batch. Also how
    many were embedded. The batch goes through the gate: with the cache down, nothing is embedded for it."""
    vectors = [reusable_vector(p.line, fingerprint=embedder.fingerprint, dims=embedder.dims) for p, _ in ready]
    missing = [i for i, v in enumerate(vectors) if v is None]
    fresh = await gate.run(lambda: embed_keys(embedder, [ready[i][0].line.prompt for i in missing]))
    for i, vector in zip(missing, fresh, strict=True):
        vectors[i] = vector
    return vectors, len(missing)


async def _store_all(
    cache: SemanticCache, ready: Admitted, vectors: list[Vector | None], default_ttl: int | None
) -> None:
    limit = asyncio.Semaphore(WRITERS)

    async def put(item: Parsed, scope: dict[str, str], vector: Vector | None) -> None:
        line = item.line
        ttl = line.ttl if line.ttl is not None else default_ttl
        async with limit:
            await cache.put(
                line.prompt, line.response, scope, ttl=ttl, vector=vector, metadata=line.metadata, tags=item.tags
            )

    await asyncio.gather(*(put(item, scope, vectors[i]) for i, (item, scope) in enumerate(ready)))


@router.post(
    "/import",
    response_model=ImportReport,
    # Declared as text/plain (any content type is read as JSON Lines; the CLI sends application/x-ndjson), a
    # media type every OpenAPI client can serialise.
    openapi_extra={"requestBody": {"required": True, "content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def import_entries(
    request: Request,
    principal: PrincipalDep,
    settings: SettingsDep,
    cache: CacheDep,
    embedder: EmbedderDep,
    gate: GateDep,
) -> ImportReport:
    """JSON Lines, one entry per line (the shape `GET /cache/export` writes; `prompt` and `response` are enough).
    Bad lines are refused and reported, never fatal; good lines are embedded in batches and stored."""
    parsed, refused = parse_lines(await _body_text(request))
    if len(parsed) + len(refused) > MAX_LINES:
        raise InvalidInputError(f"at most {MAX_LINES} lines per request (semcache import sends batches)")
    fields = cache.store.spec.scope_fields
    ready, unfit = _admit(parsed, principal, fields=fields, max_prompt_chars=settings.max_prompt_chars)
    vectors, reembedded = await _vectors(ready, embedder, gate)
    await _store_all(cache, ready, vectors, settings.cache_ttl)
    return ImportReport(
        imported=len(ready),
        refused=sorted([*refused, *unfit], key=lambda r: r.line),
        reembedded=reembedded,
        vectors_reused=len(ready) - reembedded,
    )


@router.get("/export", response_class=StreamingResponse)
async def export_entries(
    principal: PrincipalDep,
    store: RawStoreDep,
    gate: GateDep,
    embedder: EmbedderDep,
    vectors: Annotated[bool, Query(description="include each entry's embedding")] = False,
    tenant: Annotated[ScopeValue | None, Query(description="admin only; default: every tenant")] = None,
) -> StreamingResponse:
    """Every live entry of the caller's tenant (the admin: all, or `tenant`) as JSON Lines."""
    if not principal.is_admin and tenant is not None and tenant != principal.tenant:
        raise ForbiddenError("only the admin key may export another tenant's entries")
    owner = tenant if principal.is_admin else principal.tenant
    fingerprint = embedder.fingerprint
    rows = store.dump(tenant=owner, vectors=vectors).__aiter__()
    # The first batch is read before the status line is sent: a Redis that is down is a 503, not an empty 200.
    first = await gate.run(lambda: anext(rows, None))

    async def lines() -> AsyncIterator[bytes]:
        if first is None:
            return
        try:
            entry, vector, ttl = first
            yield export_line(entry, ttl=ttl, fingerprint=fingerprint, vector=vector).encode()
            async for entry, vector, ttl in rows:
                yield export_line(entry, ttl=ttl, fingerprint=fingerprint, vector=vector).encode()
        except CacheUnavailableError as e:
            # The status line is long gone: the last line says the export is incomplete (the CLI exits 1).
            gate.failed(e)
            yield (json.dumps(error_body(e.code, f"export incomplete: {e.message}")) + "\n").encode()

    return StreamingResponse(lines(), media_type="application/x-ndjson")
