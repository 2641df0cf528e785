"""Offline: the second stage's logit on each eval lookup's nearest candidate, from a reader that never saw
the file (`semcache eval --reader-folds DIR`).

tools/verifier_train/train.py writes one reader per held-out group of files and `folds.json`, which says
which reader holds each file out. A file it does not list was never trained on: the shipped reader reads it.
Without `--reader-folds` the shipped reader reads every file, and the report says those figures are
in-sample for the files it was trained on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from semcache.cache.semantic import read_nearest
from semcache.calibration.metrics import Observed
from semcache.verify.reader import Reader, ReaderModel, shipped_path

__all__ = ["READ_BELOW", "fold_paths", "read_observed"]

#: Candidates at least this similar are read: the lowest threshold `semcache eval` searches, and margin.
READ_BELOW = 0.75


def fold_paths(folder: Path | None, names: Sequence[str]) -> dict[str, Path]:
    """File name -> the reader that held it out (the shipped one where none did, or with no folder)."""
    if folder is None:
        return {name: shipped_path() for name in names}
    listed = json.loads((folder / "folds.json").read_text(encoding="utf-8"))
    return {name: folder / listed[name] if name in listed else shipped_path() for name in names}


async def read_observed(path: Path, observed: Sequence[Observed]) -> list[Observed]:
    """Each lookup with its nearest candidate read by the reader at `path`."""
    reader = Reader(ReaderModel(path, cache_size=50_000))
    await reader.start()
    try:
        out = []
        for o in observed:
            candidates = await read_nearest(reader.score, o.query, list(o.candidates), 1.0 - READ_BELOW)
            out.append(replace(o, candidates=tuple(candidates)))
        return out
    finally:
        await reader.aclose()
