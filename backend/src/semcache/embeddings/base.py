"""The embedder Protocol: text in, unit-length float32 vectors out."""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

__all__ = ["Embedder", "Vector"]

Vector = npt.NDArray[np.float32]


class Embedder(Protocol):
    @property
    def fingerprint(self) -> str:
        """Model id and dims, e.g. `minilm-l6-v2-int8-384`; names the index so models never mix."""
        ...

    @property
    def dims(self) -> int: ...

    async def embed(self, texts: list[str]) -> list[Vector]:
        """One L2-normalised vector per text, in order."""
        ...

    async def aclose(self) -> None: ...
