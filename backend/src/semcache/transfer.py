"""Pure: JSON Lines of cache entries, for warming a cache and moving one between Redis instances or embedders.

`parse_lines` turns a body into valid lines and a report of refused ones (never an exception for one bad line);
`scope_of` applies the tenant rules; `export_line` writes an entry back in the same shape.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import ValidationError

from semcache.cache.models import Entry
from semcache.cache.query import check_tags
from semcache.embeddings.base import Vector
from semcache.schemas.transfer import EntryLine, Refused

__all__ = ["MAX_LINES", "Parsed", "export_line", "parse_lines", "reusable_vector", "scope_of"]

MAX_LINES = 1000


@dataclass(frozen=True)
class Parsed:
    number: int
    line: EntryLine
    tags: tuple[str, ...]


def _reason(e: ValidationError) -> str:
    first = e.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ())) or "line"
    return f"{where}: {first.get('msg', 'invalid')}"


def parse_lines(body: str) -> tuple[list[Parsed], list[Refused]]:
    good: list[Parsed] = []
    refused: list[Refused] = []
    for number, raw in enumerate(body.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            line = EntryLine.model_validate_json(raw)
            good.append(Parsed(number, line, check_tags(line.tags)))
        except ValidationError as e:
            refused.append(Refused(line=number, reason=_reason(e)))
        except ValueError as e:  # a bad tag
            refused.append(Refused(line=number, reason=str(e)))
    return good, refused


def scope_of(line: EntryLine, *, tenant: str, is_admin: bool, fields: Sequence[str]) -> dict[str, str]:
    """The scope an imported entry is stored under. A tenant imports into its own tenant only (a line naming
    another is refused, never redirected); the admin keeps each line's tenant, so a whole cache can move."""
    unknown = sorted(set(line.scope) - set(fields))
    if unknown:
        raise ValueError(f"scope keys {unknown} are not scope fields of this cache ({list(fields)})")
    scope = {k: v for k, v in line.scope.items() if v}
    named = scope.get("tenant")
    if named is not None and named != tenant and not is_admin:
        raise ValueError("the line belongs to another tenant; only the admin key may import it")
    scope["tenant"] = named if is_admin and named else tenant
    return scope


def reusable_vector(line: EntryLine, *, fingerprint: str, dims: int) -> Vector | None:
    """The line's own vector when it was made by this embedder (normalised like ours), else None."""
    if line.embedding is None or line.embedder != fingerprint or len(line.embedding) != dims:
        return None
    v = np.asarray(line.embedding, dtype=np.float32)
    norm = float(np.linalg.norm(v))
    if not np.isfinite(norm) or norm == 0.0:
        return None
    return v / np.float32(norm)


def export_line(entry: Entry, *, ttl: int | None, fingerprint: str, vector: Vector | None) -> str:
    line: dict[str, object] = {
        "id": entry.id,
        "prompt": entry.prompt,
        "response": entry.response,
        "scope": entry.scope,
        "tags": list(entry.tags),
        "ttl": max(1, ttl) if ttl is not None else None,
        "metadata": entry.metadata,
        "created_at": entry.created_at,
        "hits": entry.hits,
        "embedder": fingerprint,
    }
    if vector is not None:
        line["embedding"] = [round(float(x), 7) for x in vector]
    return json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n"
