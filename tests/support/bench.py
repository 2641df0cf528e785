"""`python -m bench --smoke` in a subprocess, as the bench tests run it: from the repository root, with the
repository and the package on the path, its report and work files under a test's tmp_path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["REPO", "run_smoke"]

REPO = Path(__file__).resolve().parents[2]


def run_smoke(tmp_path: Path, *flags: str) -> Path:
    """The run's output folder (tmp_path/docs), once `python -m bench --smoke *flags` exited 0."""
    out, work = tmp_path / "docs", tmp_path / "work"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "backend" / "src")])}
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", *flags, "--out", str(out), "--work-dir", str(work)],
        check=False,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out
