"""Pure: opaque page cursors for `GET /cache/entries`.

A cursor carries the offset of the next page, the tenant it was issued to and a digest of the query it
belongs to. The tenant filter always comes from the caller's key, so a cursor cannot widen what anyone
sees; one issued to another tenant or for another query is refused (400) rather than silently reinterpreted.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping

__all__ = ["CursorError", "decode_cursor", "encode_cursor", "query_digest"]

MAX_OFFSET = 100_000


class CursorError(ValueError):
    pass


def query_digest(params: Mapping[str, object]) -> str:
    blob = json.dumps(params, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def encode_cursor(*, tenant: str, digest: str, offset: int) -> str:
    raw = json.dumps({"t": tenant, "q": digest, "o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, tenant: str, digest: str) -> int:
    """The offset a cursor points at; CursorError when it is malformed or not this caller's query's."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        offset, owner, query = data["o"], data["t"], data["q"]
    except (ValueError, KeyError, TypeError) as e:
        raise CursorError("cursor is not one this server issued") from e
    if owner != tenant:
        raise CursorError("cursor was issued to another tenant")
    if query != digest:
        raise CursorError("cursor belongs to another query (filters or sort changed): start from the first page")
    if not isinstance(offset, int) or not 0 <= offset <= MAX_OFFSET:
        raise CursorError(f"cursor offset out of range (pages reach {MAX_OFFSET} entries deep; narrow the filters)")
    return offset
