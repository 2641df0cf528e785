"""Pure: what a cache key is made of.

- `normalize_text`: the exact-path form of a prompt (Unicode NFKC, case-folded, whitespace collapsed).
- `entry_id`: content address of (normalized text, scope); the exact fast path is one lookup by it.
- `conversation_key`: chat messages -> the text that is embedded and hashed (see README "What the key is
  made of").
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping

_WS = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    return _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def canonical_scope(scope: Mapping[str, str]) -> str:
    # Empty values are dropped so that "absent" and "empty" are the same scope, as in the TAG encoding.
    return json.dumps({k: v for k, v in sorted(scope.items()) if v}, ensure_ascii=False, separators=(",", ":"))


def entry_id(normalized: str, scope: Mapping[str, str]) -> str:
    digest = hashlib.sha256()
    digest.update(canonical_scope(scope).encode("utf-8", "surrogatepass"))
    digest.update(b"\x00")
    digest.update(normalized.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


#: Scope keys a client may set itself: the tenant comes from its API key, `params` from the request.
CLIENT_SCOPE_KEYS = ("namespace", "model", "locale")


def build_scope(
    tenant: str, client_scope: Mapping[str, str], *, extra_fields: tuple[str, ...] = (), params: str = ""
) -> dict[str, str]:
    """The hard scope of a request. Raises ValueError naming any key a client may not set."""
    allowed = (*CLIENT_SCOPE_KEYS, *extra_fields)
    unknown = sorted(set(client_scope) - set(allowed))
    if unknown:
        hint = " (the tenant comes from your API key)" if "tenant" in unknown else ""
        raise ValueError(f"scope keys {unknown} are not allowed{hint}; allowed: {list(allowed)}")
    scope = {k: v for k, v in client_scope.items() if v}
    scope["tenant"] = tenant
    if params:
        scope["params"] = params
    return scope
