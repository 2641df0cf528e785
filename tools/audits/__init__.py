"""Offline tooling of the cache's self-audits (docs/audits.md)."""

__all__: list[str] = []
