"""The index definition as data: names, key layout and the FT.CREATE arguments."""

from __future__ import annotations

import re
from dataclasses import dataclass

from semcache.cache.query import VECTOR_FIELD

__all__ = ["BASE_SCOPE_FIELDS", "IndexSpec", "slug"]

BASE_SCOPE_FIELDS = ("tenant", "namespace", "model", "locale", "params")
#: Free-form labels an entry is stored with (`tags` in /cache/store, `x-semcache-tags` on the gateway);
#: one TAG field holding them comma-separated, so invalidation by tag is one indexed query.
TAGS_FIELD = "tags"
#: The prompt as full text, for browsing (`GET /cache/entries?q=`); not used by lookups.
PROMPT_FIELD = "prompt"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@dataclass(frozen=True)
class IndexSpec:
    """One vector index and the keys it covers.

    Entries live at `{prefix}:{fingerprint}:e:{id}`; the index name carries the embedder fingerprint,
    so switching models creates a new index instead of mixing vectors of different spaces.
    """

    prefix: str
    fingerprint: str
    dims: int
    scope_fields: tuple[str, ...] = BASE_SCOPE_FIELDS
    kind: str = "cache"
    m: int = 16
    ef_construction: int = 200
    ef_runtime: int = 64

    @property
    def name(self) -> str:
        return f"{self.prefix}-{self.kind}-{slug(self.fingerprint)}"

    @property
    def key_prefix(self) -> str:
        return f"{self.prefix}:{self.kind}:{slug(self.fingerprint)}:e:"

    @property
    def stats_key(self) -> str:
        return f"{self.prefix}:{self.kind}:{slug(self.fingerprint)}:stats"

    @property
    def generations_key(self) -> str:
        """One HASH of (tenant, namespace) -> generation; outside the entry prefix, so never indexed."""
        return f"{self.prefix}:{self.kind}:{slug(self.fingerprint)}:gens"

    def entry_key(self, entry_id: str) -> str:
        return self.key_prefix + entry_id

    def create_args(self) -> list[str | int]:
        tags: list[str | int] = []
        for name in self.scope_fields:
            tags += [name, "TAG", "CASESENSITIVE"]
        return [
            "FT.CREATE",
            self.name,
            "ON",
            "HASH",
            "PREFIX",
            1,
            self.key_prefix,
            # Prompts are searched as written ("what is" included), so no stop words.
            "STOPWORDS",
            0,
            "SCHEMA",
            *tags,
            TAGS_FIELD,
            "TAG",
            "SEPARATOR",
            ",",
            "CASESENSITIVE",
            PROMPT_FIELD,
            "TEXT",
            "created_at",
            "NUMERIC",
            "SORTABLE",
            VECTOR_FIELD,
            "VECTOR",
            "HNSW",
            12,
            "TYPE",
            "FLOAT32",
            "DIM",
            self.dims,
            "DISTANCE_METRIC",
            "COSINE",
            "M",
            self.m,
            "EF_CONSTRUCTION",
            self.ef_construction,
            "EF_RUNTIME",
            self.ef_runtime,
        ]

    def expected_attributes(self) -> set[str]:
        # A stored index missing any of these (an index made by an older semcache) is re-created over the
        # same keys by RedisStore.ensure_index: entries stay, RediSearch re-indexes them in the background.
        return {*self.scope_fields, TAGS_FIELD, PROMPT_FIELD, "created_at", VECTOR_FIELD}
