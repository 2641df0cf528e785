"""Pure: replay of cached text as pieces, so a hit streams like a (very fast) upstream answer. The wire formats
that frame the pieces are in api/framing/ (one module per format)."""

from __future__ import annotations

import re

__all__ = ["replay_pieces"]

_PIECE = re.compile(r"\S+\s*|\s+")


def replay_pieces(text: str, *, words_per_piece: int = 3) -> list[str]:
    """Cached text in small word groups, so a client renders a hit like a (very fast) stream."""
    words = _PIECE.findall(text)
    return ["".join(words[i : i + words_per_piece]) for i in range(0, len(words), words_per_piece)] or [text]
