"""The verifier the cache runs on candidates that pass the similarity threshold."""

from __future__ import annotations

from semcache.cache.semantic import Verifier
from semcache.config import Settings


def build_verifier(settings: Settings) -> Verifier | None:
    """The verifier the settings ask for (None: the threshold alone decides)."""
    return None
