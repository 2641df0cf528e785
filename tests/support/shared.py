"""The project's data beside the repository (`../shared`, outside git). A test that needs it skips on a
machine without it, and fails under CI=true, where CI lays shared/ beside its clone: there a missing
folder is breakage, not a different machine."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.data import shared_dir


def require_shared(relative: str) -> Path:
    found = shared_dir()
    path = found / relative if found is not None else None
    if path is None or not path.exists():
        message = f"shared/{relative} is not beside the repository"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: CI lays shared/ beside its clone)")
        pytest.skip(message)
    return path
