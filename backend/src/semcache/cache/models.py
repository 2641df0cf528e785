"""Plain data the cache passes around (no I/O, no pydantic: these never cross the wire as-is)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Candidate", "Entry", "NewEntry"]


@dataclass(frozen=True)
class Entry:
    id: str
    prompt: str
    text: str
    response: str
    scope: dict[str, str]
    created_at: float
    hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    metadata: dict[str, object] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    #: The (tenant, namespace) generation it was stored under; older than the current one = not served.
    generation: int = 0
    #: The TTL it was stored with (seconds), what a sliding TTL renews to; None = no expiry.
    ttl: int | None = None
    last_hit_at: float | None = None
    last_similarity: float | None = None


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    distance: float
    #: The alias prompt this entry was found through (cache/aliases.py), None when found by its own vector.
    via: str | None = None
    #: The second stage's logit for this candidate against the query (verify/reader.py); None: not read.
    reader: float | None = None

    @property
    def similarity(self) -> float:
        return 1.0 - self.distance

    @property
    def prompt(self) -> str:
        """The prompt whose vector the distance was measured to: what a verifier compares the query with."""
        return self.entry.prompt if self.via is None else self.via


@dataclass(frozen=True)
class NewEntry:
    """What a caller hands to the store; the id is derived from text and scope."""

    prompt: str
    text: str
    response: str
    scope: dict[str, str]
    prompt_tokens: int = 0
    completion_tokens: int = 0
    metadata: dict[str, object] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
